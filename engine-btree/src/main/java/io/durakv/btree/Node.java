package io.durakv.btree;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A tree node in memory: a leaf (keys and values) or an internal node (keys and child pointers). Nodes are
 * copy-on-write: a write never changes a node that a reader can see, it builds new nodes along the path and publishes
 * a new root. Old roots stay valid for as long as someone holds them, which is what makes scans point-in-time views
 * and lets reads run without locks.
 *
 * <p>Two things do change after construction, both only by the checkpoint under the writer lock, and both in a way
 * every reader tolerates:
 * <ul>
 *   <li>{@link #pageId}: 0 while the node exists only in memory ("dirty"); the page it was written to afterwards;</li>
 *   <li>a slot: once a checkpoint has written a dirty child, the parent's slot is swapped from the child {@link Node}
 *       to its page id ({@link Integer}), so the child can be evicted; once it has written a large value to an
 *       overflow chain, the leaf's slot is swapped from the {@code byte[]} to an {@link OverflowRef}. Both forms
 *       denote the same content, and slots are read with acquire and written with release semantics.</li>
 * </ul>
 *
 * <p>Slots of a leaf hold a {@code byte[]} (an inline value, or a large value not yet written to an overflow chain)
 * or an {@link OverflowRef}; slots of an internal node, {@code keys.length + 1} of them, hold a {@link Node} or an
 * {@link Integer} page id. Child {@code i} holds the keys {@code k} with {@code keys[i-1] <= k < keys[i]}.
 *
 * <p>Thread-safe for any number of readers: everything but the two changes above is final, and those follow the
 * rules above.
 */
final class Node {

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    private final boolean leaf;
    private final byte[][] keys;
    private final Object[] slots;
    /** The body size in bytes this node encodes to (page header excluded). */
    private final int bytes;
    /** Guarded by the store's writer lock (set by the checkpoint, read by writers). 0 while dirty. */
    private int pageId;

    private Node(boolean leaf, byte[][] keys, Object[] slots, int bytes, int pageId) {
        this.leaf = leaf;
        this.keys = keys;
        this.slots = slots;
        this.bytes = bytes;
        this.pageId = pageId;
    }

    /** A leaf; the arrays become the node's and must not be changed by the caller. */
    static Node leaf(byte[][] keys, Object[] values, int pageSize, int pageId) {
        int bytes = 0;
        for (int i = 0; i < keys.length; i++) {
            bytes += leafEntryBytes(keys[i], values[i], pageSize);
        }
        return new Node(true, keys, values, bytes, pageId);
    }

    /** An internal node; {@code children.length == keys.length + 1}; arrays become the node's. */
    static Node internal(byte[][] keys, Object[] children, int pageId) {
        if (children.length != keys.length + 1) {
            throw new IllegalArgumentException(keys.length + " keys need " + (keys.length + 1) + " children, got "
                    + children.length);
        }
        int bytes = BTreeFormat.INTERNAL_BODY_OVERHEAD;
        for (byte[] k : keys) {
            bytes += BTreeFormat.INTERNAL_ENTRY_OVERHEAD + k.length;
        }
        return new Node(false, keys, children, bytes, pageId);
    }

    /** @return the encoded size of one leaf entry */
    static int leafEntryBytes(byte[] key, Object value, int pageSize) {
        if (value instanceof byte[] v && BTreeFormat.inline(key.length, v.length, pageSize)) {
            return BTreeFormat.LEAF_ENTRY_OVERHEAD + key.length + v.length;
        }
        return BTreeFormat.LEAF_OVERFLOW_ENTRY_OVERHEAD + key.length;
    }

    boolean isLeaf() {
        return leaf;
    }

    /** @return keys (leaf) or separator keys (internal) */
    int keyCount() {
        return keys.length;
    }

    byte[] key(int i) {
        return keys[i];
    }

    /** @return the number of slots: values of a leaf, children of an internal node */
    int slotCount() {
        return slots.length;
    }

    /** @return slot {@code i}, read with acquire semantics */
    Object slot(int i) {
        return SLOT.getAcquire(slots, i);
    }

    /** Swaps slot {@code i} to an equivalent form (see the class comment). Checkpoint only. */
    void swapSlot(int i, Object equivalent) {
        SLOT.setRelease(slots, i, equivalent);
    }

    int bytes() {
        return bytes;
    }

    int pageId() {
        return pageId;
    }

    void setPageId(int id) {
        this.pageId = id;
    }

    boolean isDirty() {
        return pageId == 0;
    }

    /** @return the index of {@code key} if present, else {@code -(insertion point) - 1} */
    int search(byte[] key) {
        int lo = 0;
        int hi = keys.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Arrays.compareUnsigned(keys[mid], key);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    /** @return for an internal node, the index of the child whose range holds {@code key} */
    int childIndex(byte[] key) {
        int i = search(key);
        return i >= 0 ? i + 1 : -(i + 1);
    }

    /** @return a copy of the key array (the keys themselves are shared: they are never changed) */
    byte[][] keysCopy() {
        return keys.clone();
    }

    /** @return a copy of the slot array, each read with acquire semantics */
    Object[] slotsCopy() {
        Object[] copy = new Object[slots.length];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = slot(i);
        }
        return copy;
    }

    @Override
    public String toString() {
        return (leaf ? "Leaf" : "Internal") + "[page=" + pageId + ", keys=" + keys.length + ", bytes=" + bytes + "]";
    }
}
