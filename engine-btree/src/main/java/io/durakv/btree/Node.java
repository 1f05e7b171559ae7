package io.durakv.btree;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A tree node in memory: a leaf (keys and values) or an internal node (keys and child pointers). Writes are
 * copy-on-write towards readers: a write never changes a node that an open scan can reach, it builds new nodes along
 * the path and publishes a new root. Old roots stay valid for as long as someone holds them, which is what makes scans
 * point-in-time views and lets reads run without locks.
 *
 * <p>Three things do change after construction, all under the writer lock, and all in a way every reader tolerates:
 * <ul>
 *   <li>{@link #pageId}: 0 while the node exists only in memory ("dirty"); the page it was written to afterwards;</li>
 *   <li>a slot, by the checkpoint: once it has written a dirty child, the parent's slot is swapped from the child
 *       {@link Node} to its page id ({@link Integer}), so the child can be evicted; once it has written a large
 *       value to an overflow chain, the leaf's slot is swapped from the {@link LargeValue} to an {@link OverflowRef}.
 *       Both forms denote the same content;</li>
 *   <li>a slot, by a write, in place ({@link TreeWriter}): a dirty node that no open scan can reach (created after
 *       the newest open scan's version, see {@link #created()}) may have one slot replaced by a write of a single
 *       operation: a child by its new copy, or a value by the new value. The one swap publishes the whole operation
 *       at once, so a lookup sees the tree before or after it, never a mix; scans never see it. This is what makes a
 *       put copy one leaf instead of the whole path: a node is copied once per checkpoint (when it is clean) or when
 *       a scan pinned it, not once per write.</li>
 * </ul>
 * Slots are read with acquire and written with release semantics.
 *
 * <p>Slots of a leaf hold a {@code byte[]} (an inline value), a {@link LargeValue} (a large value, in memory until a
 * checkpoint has written its overflow chain) or an {@link OverflowRef}; slots of an internal node,
 * {@code keys.length + 1} of them, hold a {@link Node} or an {@link Integer} page id. Child {@code i} holds the keys {@code k} with {@code keys[i-1] <= k < keys[i]}.
 *
 * <p>Thread-safe for any number of readers: the key array and the slot array's length are final, and the changes
 * above follow the rules above. {@link #bytes()}, {@link #pageId()}, {@link #created()} and the copies are for
 * holders of the writer lock.
 */
final class Node implements KeyWords.Keys {

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    private final boolean leaf;
    private final byte[][] keys;
    private final Object[] slots;
    /** The body size in bytes this node encodes to (page header excluded). Guarded by the writer lock. */
    private int bytes;
    /** Guarded by the store's writer lock (set by the checkpoint, read by writers). 0 while dirty. */
    private int pageId;
    /** The store version of the write that built this node (0 for nodes read from a page). */
    private final long created;
    /**
     * The search index, built by the first {@link #childIndex} of an internal node or {@link #lookup} of a clean leaf
     * (racy single check: every thread builds the same immutable value, and its final fields make a racy read safe).
     */
    private SearchIndex index;

    /**
     * The keys of an internal node as 8-byte words taken after the prefix all of them share, so that a binary search
     * compares longs in one array instead of following a pointer to each key; a tie of words falls back to the full
     * comparison. Words are big-endian and zero-padded, so words that differ order their keys as the full comparison
     * does.
     */
    private static final class SearchIndex {
        final int prefix;
        final long[] words;

        SearchIndex(byte[][] keys) {
            int p = keys.length < 2 ? 0 : Arrays.mismatch(keys[0], keys[keys.length - 1]);
            this.prefix = p < 0 ? keys[0].length : p;
            this.words = new long[keys.length];
            for (int i = 0; i < keys.length; i++) {
                words[i] = word(keys[i], prefix);
            }
        }

        /** {@code from}'s index with {@code word} inserted at {@code at}: for a key inserted between two others. */
        SearchIndex(SearchIndex from, int at, long word) {
            this.prefix = from.prefix;
            this.words = TreeWriter.insertAt(from.words, at, word);
        }

        static long word(byte[] key, int from) {
            return KeyWords.word(key, from);
        }
    }

    private Node(boolean leaf, byte[][] keys, Object[] slots, int bytes, int pageId, long created) {
        this.leaf = leaf;
        this.keys = keys;
        this.slots = slots;
        this.bytes = bytes;
        this.pageId = pageId;
        this.created = created;
    }

    /** A leaf; the arrays become the node's and must not be changed by the caller. */
    static Node leaf(byte[][] keys, Object[] values, int pageSize, int pageId) {
        int bytes = 0;
        for (int i = 0; i < keys.length; i++) {
            bytes += leafEntryBytes(keys[i], values[i], pageSize);
        }
        return new Node(true, keys, values, bytes, pageId, 0);
    }

    /**
     * A dirty leaf built by the write of version {@code created}, whose encoded body size the caller already knows;
     * the arrays become the node's.
     */
    static Node dirtyLeaf(byte[][] keys, Object[] values, int bytes, long created) {
        return new Node(true, keys, values, bytes, 0, created);
    }

    /** An internal node; {@code children.length == keys.length + 1}; arrays become the node's. */
    static Node internal(byte[][] keys, Object[] children, int pageId) {
        if (children.length != keys.length + 1) {
            throw new IllegalArgumentException(keys.length + " keys need " + (keys.length + 1) + " children, got "
                    + children.length);
        }
        return new Node(false, keys, children, internalBytes(keys), pageId, 0);
    }

    /** As {@link #dirtyLeaf}, an internal node; {@code children.length == keys.length + 1}. */
    static Node dirtyInternal(byte[][] keys, Object[] children, int bytes, long created) {
        return new Node(false, keys, children, bytes, 0, created);
    }

    /**
     * @return a dirty copy of this internal node built by the write of version {@code created}, with the same keys
     *         (shared: keys never change, and neither does the search index built from them) and these children
     */
    Node withChildren(Object[] children, long created) {
        if (leaf || children.length != slots.length) {
            throw new IllegalArgumentException("an internal node of " + slots.length + " children needs as many");
        }
        Node n = new Node(false, keys, children, bytes, 0, created);
        n.index = index;
        return n;
    }

    /**
     * @return a dirty internal node built by the write of version {@code created}: this node's keys with
     *         {@code key} inserted at {@code at}, and {@code children} (one more than this node's), whose encoded size
     *         is {@code bytes}. A key inserted between the first and the last shares their prefix, so the search
     *         index is carried over with one word inserted instead of being rebuilt by the next search.
     */
    Node inserting(int at, byte[] key, Object[] children, int bytes, long created) {
        Node n = new Node(false, keysInserting(at, key), children, bytes, 0, created);
        SearchIndex x = index;
        if (x != null && at > 0 && at < keys.length) {
            n.index = new SearchIndex(x, at, SearchIndex.word(key, x.prefix));
        }
        return n;
    }

    /** @return the encoded size of an internal node with these keys */
    static int internalBytes(byte[][] keys) {
        int bytes = BTreeFormat.INTERNAL_BODY_OVERHEAD;
        for (byte[] k : keys) {
            bytes += BTreeFormat.INTERNAL_ENTRY_OVERHEAD + k.length;
        }
        return bytes;
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

    /**
     * Replaces slot {@code i} in place and adjusts the encoded size by {@code bytesDelta}: only for a dirty node no
     * open scan can reach (see the class comment). Writer lock held.
     */
    void replaceSlot(int i, Object content, int bytesDelta) {
        bytes += bytesDelta;
        SLOT.setRelease(slots, i, content);
    }

    int bytes() {
        return bytes;
    }

    /**
     * @return an estimate of the memory this node takes (object, arrays, keys, inline values, child ids, the search
     *         index), for the buffer pool's budget
     */
    int memoryBytes() {
        long m = 48 + 2 * 16 + 4L * (keys.length + slots.length);
        for (byte[] k : keys) {
            m += arrayBytes(k.length);
        }
        for (Object s : slots) {
            if (s instanceof byte[] v) {
                m += arrayBytes(v.length);
            } else if (s instanceof LargeValue large) {
                m += 32 + arrayBytes(large.bytes().length);
            } else if (s != null && !(s instanceof Node)) {
                m += 16; // an Integer page id or an OverflowRef
            }
        }
        m += 32 + 16 + 8L * keys.length; // the search index, once built (internal nodes, lookups in clean leaves)
        return (int) Math.min(Integer.MAX_VALUE, m);
    }

    private static long arrayBytes(int length) {
        return 16 + ((length + 7L) & ~7L);
    }

    /** @return the store version of the write that built this node; 0 if it was read from a page */
    long created() {
        return created;
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
        return KeyWords.search(this, keys.length, key);
    }

    @Override
    public int compareKey(int i, byte[] key) {
        return Arrays.compareUnsigned(keys[i], key);
    }

    /** @return for an internal node, the index of the child whose range holds {@code key} */
    int childIndex(byte[] key) {
        if (keys.length == 0) {
            return 0;
        }
        int i = indexSearch(key);
        return i >= 0 ? i + 1 : -(i + 1);
    }

    /**
     * {@link #search} for a lookup in a clean leaf (one the pool may hold and many lookups search): over the word
     * index, built by the first such search, as {@link #childIndex} does; a dirty leaf, replaced by most writes to
     * it, is searched plainly.
     */
    int lookup(byte[] key) {
        return keys.length < 8 || pageId == 0 ? search(key) : indexSearch(key);
    }

    /** {@link #search} over the word index (built on first use); at least one key. */
    private int indexSearch(byte[] key) {
        SearchIndex x = index;
        if (x == null) {
            x = new SearchIndex(keys);
            index = x;
        }
        return KeyWords.search(this, x.prefix, x.words, keys[0], 0, key);
    }

    /** @return a copy of the key array (the keys themselves are shared: they are never changed) */
    byte[][] keysCopy() {
        return keys.clone();
    }

    /** @return a copy of the key array with {@code key} inserted at {@code at} (one copy, for a writer) */
    byte[][] keysInserting(int at, byte[] key) {
        return TreeWriter.insertAt(keys, at, key);
    }

    /** @return a copy of the slot array with {@code slot} inserted at {@code at}. Writer lock held (as slotsCopy) */
    Object[] slotsInserting(int at, Object slot) {
        return TreeWriter.insertAt(slots, at, slot);
    }

    /** @return a copy of the key array without entry {@code at} (one copy, for a writer) */
    byte[][] keysRemoving(int at) {
        return TreeWriter.removeAt(keys, at);
    }

    /** @return a copy of the slot array without slot {@code at}. Writer lock held (as slotsCopy) */
    Object[] slotsRemoving(int at) {
        return TreeWriter.removeAt(slots, at);
    }

    /**
     * @return a copy of the slot array. Writer lock held: every change of a slot is made under that lock, so a plain
     *         copy sees them all.
     */
    Object[] slotsCopy() {
        return slots.clone();
    }

    @Override
    public String toString() {
        return (leaf ? "Leaf" : "Internal") + "[page=" + pageId + ", keys=" + keys.length + ", bytes=" + bytes + "]";
    }
}
