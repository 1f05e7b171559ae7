package io.durakv.btree;

/**
 * A value stored in a chain of overflow pages, as a leaf refers to it. Immutable.
 *
 * @param firstPage the first page of the chain
 * @param length    the value's length in bytes
 */
record OverflowRef(int firstPage, int length) {
}
