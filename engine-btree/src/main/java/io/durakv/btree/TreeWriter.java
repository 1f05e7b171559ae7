package io.durakv.btree;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Puts and deletes, copy-on-write towards scans: each returns the new root and never changes a node an open scan can
 * reach, so that scans of older roots are unaffected. Nodes split when their encoding outgrows a page; after a
 * delete, an emptied node leaves its parent, and a node under a quarter full merges with a sibling when both fit one
 * page. Every durable page (and overflow chain) a write drops is handed to {@link FreeSpace} with the write's version.
 *
 * <p>In place where no reader can tell ({@link Node}, class comment): a node is <em>mutable</em> for the write of
 * version {@code v} if it is dirty and either was built by this same write (nobody can reach it yet), or the write is a
 * single operation and the node was built after the newest open scan's version (no scan can reach it). The first
 * mutable node on the way up takes the change with one slot swap, and nothing above it changes: a put into a leaf of
 * a dirty path copies the leaf and swaps it into its parent, instead of copying the whole path. Clean nodes (on a
 * page the durable header references) are always copied: that is the copy-on-write the checkpoint relies on, once per
 * node and checkpoint. A multi-operation batch changes only nodes it built itself in place, so lookups see all of it
 * or none of it.
 *
 * <p>Sequential inserts: a key appended past the end of the rightmost leaf, when that leaf is full, starts a new leaf
 * instead of splitting the full one in half, so that ascending fills leave full pages (the rightmost internal nodes
 * split the same way).
 *
 * <p>Background checkpoints: {@link #freeze} hands the current tree to a checkpoint that writes it while writes go
 * on. From then on no node of that tree changes in place (as if a scan had pinned it), and what a write drops from
 * it while it is being written is remembered ({@link #thaw}): a dirty node or an unwritten large value of the frozen
 * tree gets its page or chain from the checkpoint, and that page or chain must be freed once the header after it no
 * longer references it.
 *
 * <p>Not thread-safe: used under the store's writer lock.
 */
final class TreeWriter {

    /** {@link #insert}'s answer when the change was made in place: nothing above needs to change. */
    private static final Object IN_PLACE = new Object();

    private final BufferPool pool;
    private final FreeSpace space;
    private final int pageSize;
    private final int capacity;

    private long version;
    /** Nodes built after this version are not reachable by an open scan (single-operation writes only). */
    private long scanFloor = Long.MAX_VALUE;
    private long dirtyBytes;
    private long keyDelta;
    /** The version of the tree a checkpoint in flight writes, or -1 when none is. */
    private long frozen = -1;
    /** The dirty bytes the frozen tree held ({@link #thaw} gives them back when its checkpoint is undone). */
    private long frozenDirtyBytes;
    /** Dirty nodes and unwritten large values of the frozen tree dropped since {@link #freeze}: {node/value, tag}. */
    private List<Object[]> droppedFrozen = new ArrayList<>();

    TreeWriter(BufferPool pool, FreeSpace space, int pageSize) {
        this.pool = pool;
        this.space = space;
        this.pageSize = pageSize;
        this.capacity = BTreeFormat.bodyCapacity(pageSize);
    }

    /**
     * Sets the version the following changes are tagged with, and what may change in place.
     *
     * @param v          the version of the write about to be applied
     * @param newestScan for a write of one operation, the version of the newest open scan (0 if none), which must not
     *                   change until the write is published; {@link Long#MAX_VALUE} for a batch of several operations
     */
    void version(long v, long newestScan) {
        this.version = v;
        this.scanFloor = Math.max(newestScan, frozen); // the frozen tree is pinned like a scan's
    }

    /**
     * A checkpoint begins to write the current tree, of version {@code treeVersion}: from now on none of its nodes
     * changes in place, and the dirty bytes count from zero (the checkpoint takes the tree's).
     */
    void freeze(long treeVersion) {
        frozen = treeVersion;
        frozenDirtyBytes = dirtyBytes;
        dirtyBytes = 0;
        droppedFrozen = new ArrayList<>();
    }

    /**
     * The checkpoint of the frozen tree ended.
     *
     * @param written whether its header is durable (else it was undone: its dirty bytes are dirty again)
     * @return what writes dropped from the frozen tree meanwhile: each {a {@link Node} or {@link LargeValue}, the
     *         version (Long) of the write that dropped it}; once written, each has a page or chain to free
     */
    List<Object[]> thaw(boolean written) {
        List<Object[]> dropped = droppedFrozen;
        if (!written) {
            dirtyBytes += frozenDirtyBytes;
        }
        frozen = -1;
        frozenDirtyBytes = 0;
        droppedFrozen = new ArrayList<>();
        return dropped;
    }

    /** @return whether a dirty node or value of this version belongs to the tree a checkpoint in flight writes */
    private boolean inFrozenTree(long created) {
        return created <= frozen;
    }

    /**
     * @return bytes of the dirty nodes and unwritten large values in the current tree outside the tree of the
     *         checkpoint in flight, if any (what the next checkpoint will write, roughly)
     */
    long dirtyBytes() {
        return dirtyBytes;
    }

    /** @return the change in the number of keys since the last call, and resets it */
    long takeKeyDelta() {
        long d = keyDelta;
        keyDelta = 0;
        return d;
    }

    /** @return whether the write of the current version may change {@code n} in place */
    private boolean mutable(Node n) {
        return n.isDirty() && (n.created() == version || n.created() > scanFloor);
    }

    /** @return the new root after storing {@code value} under {@code key}; {@code root} may be null (empty) */
    Node put(Node root, byte[] key, byte[] bytes) {
        Object value = bytes;
        if (!BTreeFormat.inline(key.length, bytes.length, pageSize)) {
            dirtyBytes += bytes.length; // large values live in memory until a checkpoint writes their chains
            value = new LargeValue(bytes, version);
        }
        if (root == null) {
            keyDelta++;
            return track(Node.dirtyLeaf(new byte[][]{key}, new Object[]{value},
                    Node.leafEntryBytes(key, value, pageSize), version));
        }
        Object r = insert(root, key, value, true);
        if (r == IN_PLACE) {
            return root;
        }
        if (r instanceof Node n) {
            return n;
        }
        Split s = (Split) r;
        byte[][] keys = {s.separator};
        return track(Node.dirtyInternal(keys, new Object[]{s.left, s.right}, Node.internalBytes(keys), version));
    }

    /** @return the new root after removing {@code key}: null when the tree is empty, {@code root} if absent */
    Node delete(Node root, byte[] key) {
        if (root == null) {
            return null;
        }
        Node r = remove(root, key);
        if (r == root) {
            return root;
        }
        // A root with a single child is replaced by that child: the tree gets one level lower everywhere.
        while (r != null && !r.isLeaf() && r.keyCount() == 0) {
            Node only = pool.child(r, 0);
            drop(r);
            r = only;
        }
        return r;
    }

    private record Split(Node left, byte[] separator, Node right) {
    }

    /**
     * @param rightmost whether {@code node} is the last node of its level (no key above it in the tree)
     * @return the replacement of {@code node}: a {@link Node}, a {@link Split}, or {@link #IN_PLACE}
     */
    private Object insert(Node node, byte[] key, Object value, boolean rightmost) {
        int n = node.keyCount();
        // Ascending fills land past the last key of the rightmost nodes: one comparison instead of a search.
        boolean past = rightmost && n > 0 && Arrays.compareUnsigned(node.key(n - 1), key) < 0;
        if (node.isLeaf()) {
            int i = past ? -(n + 1) : node.search(key);
            int entry = Node.leafEntryBytes(key, value, pageSize);
            if (i >= 0) {
                Object old = node.slot(i);
                int delta = entry - Node.leafEntryBytes(key, old, pageSize);
                if (mutable(node) && node.bytes() + delta <= capacity) {
                    dropValue(key, old);
                    node.replaceSlot(i, value, delta);
                    dirtyBytes += delta;
                    return IN_PLACE;
                }
                byte[][] keys = node.keysCopy();
                Object[] slots = node.slotsCopy();
                dropValue(key, old);
                slots[i] = value;
                drop(node);
                return leafOrSplit(keys, slots, node.bytes() + delta);
            }
            int at = -(i + 1);
            keyDelta++;
            if (past && node.bytes() + entry > capacity) {
                // The full rightmost leaf stays as it is; the new key starts the next one.
                return new Split(node, key, track(Node.dirtyLeaf(new byte[][]{key}, new Object[]{value}, entry,
                        version)));
            }
            byte[][] keys = node.keysInserting(at, key);
            Object[] slots = node.slotsInserting(at, value);
            drop(node);
            return leafOrSplit(keys, slots, node.bytes() + entry);
        }
        int ci = past ? n : node.childIndex(key);
        Object r = insert(pool.child(node, ci), key, value, rightmost && ci == n);
        if (r == IN_PLACE) {
            return IN_PLACE;
        }
        if (r instanceof Node c) {
            if (mutable(node)) {
                node.replaceSlot(ci, c, 0);
                return IN_PLACE;
            }
            Object[] slots = node.slotsCopy();
            slots[ci] = c;
            drop(node);
            return track(node.withChildren(slots, version));
        }
        Split s = (Split) r;
        Object[] slots = node.slotsCopy();
        slots[ci] = s.left;
        slots = insertAt(slots, ci + 1, s.right);
        int bytes = node.bytes() + BTreeFormat.INTERNAL_ENTRY_OVERHEAD + s.separator.length;
        drop(node);
        if (bytes <= capacity) {
            return track(node.inserting(ci, s.separator, slots, bytes, version));
        }
        byte[][] keys = node.keysInserting(ci, s.separator);
        if (rightmost && ci == n && keys.length >= 3) {
            // The rightmost child split at the end: keep this node full, move only the new last child right.
            int m = keys.length - 2;
            byte[][] rightKeys = {keys[m + 1]};
            byte[][] leftKeys = Arrays.copyOf(keys, m);
            return new Split(track(Node.dirtyInternal(leftKeys, Arrays.copyOf(slots, m + 1),
                    Node.internalBytes(leftKeys), version)), keys[m],
                    track(Node.dirtyInternal(rightKeys, Arrays.copyOfRange(slots, m + 1, slots.length),
                            Node.internalBytes(rightKeys), version)));
        }
        return splitInternal(keys, slots);
    }

    /** @return a leaf of these entries ({@code bytes} encoded), or two if they do not fit one page */
    private Object leafOrSplit(byte[][] keys, Object[] slots, int bytes) {
        return bytes <= capacity ? track(Node.dirtyLeaf(keys, slots, bytes, version)) : splitLeaf(keys, slots);
    }

    private Split splitLeaf(byte[][] keys, Object[] values) {
        int total = 0;
        for (int i = 0; i < keys.length; i++) {
            total += Node.leafEntryBytes(keys[i], values[i], pageSize);
        }
        int m = 0;
        int left = 0;
        while (m < keys.length - 1 && (left < total / 2 || m == 0)) {
            left += Node.leafEntryBytes(keys[m], values[m], pageSize);
            m++;
        }
        Node l = newLeaf(Arrays.copyOfRange(keys, 0, m), Arrays.copyOfRange(values, 0, m));
        Node r = newLeaf(Arrays.copyOfRange(keys, m, keys.length), Arrays.copyOfRange(values, m, values.length));
        return new Split(l, keys[m], r);
    }

    private Split splitInternal(byte[][] keys, Object[] children) {
        int total = 0;
        for (byte[] k : keys) {
            total += BTreeFormat.INTERNAL_ENTRY_OVERHEAD + k.length;
        }
        // keys[m] moves up; keys[0, m) stay left, keys (m, n) go right.
        int m = 0;
        int left = 0;
        while (m < keys.length - 2 && (left < total / 2 || m == 0)) {
            left += BTreeFormat.INTERNAL_ENTRY_OVERHEAD + keys[m].length;
            m++;
        }
        Node l = newInternal(Arrays.copyOfRange(keys, 0, m), Arrays.copyOfRange(children, 0, m + 1));
        Node r = newInternal(Arrays.copyOfRange(keys, m + 1, keys.length),
                Arrays.copyOfRange(children, m + 1, children.length));
        return new Split(l, keys[m], r);
    }

    /** @return the replacement of {@code node}: itself if {@code key} is absent below it, null if it emptied */
    private Node remove(Node node, byte[] key) {
        if (node.isLeaf()) {
            int i = node.search(key);
            if (i < 0) {
                return node;
            }
            dropValue(key, node.slot(i));
            drop(node);
            keyDelta--;
            if (node.keyCount() == 1) {
                return null;
            }
            return track(Node.dirtyLeaf(node.keysRemoving(i), node.slotsRemoving(i),
                    node.bytes() - Node.leafEntryBytes(key, node.slot(i), pageSize), version));
        }
        int ci = node.childIndex(key);
        Node child = pool.child(node, ci);
        Node r = remove(child, key);
        if (r == child) {
            return node;
        }
        boolean mayMerge = r != null && r.bytes() < capacity / 4 && node.slotCount() > 1;
        if (r != null && !mayMerge && mutable(node)) {
            node.replaceSlot(ci, r, 0); // in place: to the caller, this node is unchanged
            return node;
        }
        drop(node);
        byte[][] keys = node.keysCopy();
        Object[] slots = node.slotsCopy();
        if (r == null) {
            if (slots.length == 1) {
                return null;
            }
            // The child's range joins a neighbour's: drop the separator on the side the child is removed from.
            keys = removeAt(keys, ci == 0 ? 0 : ci - 1);
            slots = removeAt(slots, ci);
            return newInternal(keys, slots);
        }
        slots[ci] = r;
        if (mayMerge) {
            int li = ci + 1 < slots.length ? ci : ci - 1;
            Node a = li == ci ? r : pool.child(node, li);
            Node b = li == ci ? pool.child(node, ci + 1) : r;
            Node merged = merge(a, keys[li], b);
            if (merged != null) {
                drop(a);
                drop(b);
                keys = removeAt(keys, li);
                slots = removeAt(slots, li + 1);
                slots[li] = merged;
            }
        }
        return newInternal(keys, slots);
    }

    /** @return {@code a} and {@code b} (adjacent siblings, {@code a} left) as one node, or null if it would not fit */
    private Node merge(Node a, byte[] separator, Node b) {
        if (a.isLeaf()) {
            if (a.bytes() + b.bytes() > capacity) {
                return null;
            }
            return track(Node.dirtyLeaf(concat(a.keysCopy(), b.keysCopy()), concat(a.slotsCopy(), b.slotsCopy()),
                    a.bytes() + b.bytes(), version));
        }
        int bytes = a.bytes() + b.bytes() - BTreeFormat.INTERNAL_BODY_OVERHEAD
                + BTreeFormat.INTERNAL_ENTRY_OVERHEAD + separator.length;
        if (bytes > capacity) {
            return null;
        }
        return track(Node.dirtyInternal(concat(concat(a.keysCopy(), new byte[][]{separator}), b.keysCopy()),
                concat(a.slotsCopy(), b.slotsCopy()), bytes, version));
    }

    /** A node left the current tree: its page, if it has one, is pending free; if it is dirty, it needs no write. */
    private void drop(Node n) {
        if (n.isDirty()) {
            if (inFrozenTree(n.created())) {
                droppedFrozen.add(new Object[]{n, version}); // the checkpoint in flight gives it a page
            } else {
                dirtyBytes -= n.bytes();
            }
        } else {
            space.release(n.pageId(), version);
        }
    }

    /** A value left the current tree: its overflow chain, if written, is pending free; else it needs no write. */
    private void dropValue(byte[] key, Object value) {
        if (value instanceof OverflowRef ref) {
            space.releaseChain(ref, version);
        } else if (value instanceof LargeValue large) {
            if (large.chain() != null) {
                space.releaseChain(large.chain(), version); // written by an earlier checkpoint: durable
            } else if (inFrozenTree(large.created())) {
                droppedFrozen.add(new Object[]{large, version}); // the checkpoint in flight writes its chain
            } else {
                dirtyBytes -= large.bytes().length;
            }
        }
    }

    /** @return a new dirty leaf of this write, tracked */
    private Node newLeaf(byte[][] keys, Object[] values) {
        int bytes = 0;
        for (int i = 0; i < keys.length; i++) {
            bytes += Node.leafEntryBytes(keys[i], values[i], pageSize);
        }
        return track(Node.dirtyLeaf(keys, values, bytes, version));
    }

    /** @return a new dirty internal node of this write, tracked */
    private Node newInternal(byte[][] keys, Object[] children) {
        return track(Node.dirtyInternal(keys, children, Node.internalBytes(keys), version));
    }

    private Node track(Node n) {
        dirtyBytes += n.bytes();
        return n;
    }

    /** @return a copy of {@code a} with {@code x} inserted at {@code at}; {@code a} is not changed */
    static <T> T[] insertAt(T[] a, int at, T x) {
        T[] r = Arrays.copyOf(a, a.length + 1);
        System.arraycopy(a, at, r, at + 1, a.length - at);
        r[at] = x;
        return r;
    }

    /** As {@link #insertAt(Object[], int, Object)} for longs. */
    static long[] insertAt(long[] a, int at, long x) {
        long[] r = Arrays.copyOf(a, a.length + 1);
        System.arraycopy(a, at, r, at + 1, a.length - at);
        r[at] = x;
        return r;
    }

    /** @return a copy of {@code a} without element {@code at}; {@code a} is not changed */
    static <T> T[] removeAt(T[] a, int at) {
        T[] r = Arrays.copyOf(a, a.length - 1);
        System.arraycopy(a, at + 1, r, at, a.length - at - 1);
        return r;
    }

    private static <T> T[] concat(T[] a, T[] b) {
        T[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
