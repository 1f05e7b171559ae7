package io.durakv.lsm;

/**
 * One entry found in an SSTable by {@link SstReader#get}: its sequence number, its kind and its value.
 *
 * @param sequence the entry's sequence number
 * @param kind     {@link EntryKind#PUT} or {@link EntryKind#DELETE}
 * @param value    the value, or {@code null} for a tombstone
 */
record SstEntry(long sequence, byte kind, byte[] value) {

    /** @return whether this entry is a tombstone */
    boolean isDelete() {
        return kind == EntryKind.DELETE;
    }
}
