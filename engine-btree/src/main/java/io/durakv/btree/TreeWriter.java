package io.durakv.btree;

import java.util.Arrays;

/**
 * Copy-on-write puts and deletes: each returns a new root and leaves every existing node unchanged, so that readers
 * of older roots are unaffected. Nodes split when their encoding outgrows a page; after a delete, an emptied node
 * leaves its parent, and a node under a quarter full merges with a sibling when both fit one page. Every durable page
 * (and overflow chain) a write drops is handed to {@link FreeSpace} with the write's version.
 *
 * <p>Not thread-safe: used under the store's writer lock.
 */
final class TreeWriter {

    private final BufferPool pool;
    private final FreeSpace space;
    private final int pageSize;
    private final int capacity;

    private long version;
    private long dirtyBytes;
    private long keyDelta;

    TreeWriter(BufferPool pool, FreeSpace space, int pageSize) {
        this.pool = pool;
        this.space = space;
        this.pageSize = pageSize;
        this.capacity = BTreeFormat.bodyCapacity(pageSize);
    }

    /** Sets the version the following changes are tagged with. */
    void version(long v) {
        this.version = v;
    }

    /**
     * @return bytes of the dirty nodes and unwritten large values in the current tree since the last
     *         {@link #resetDirty()} (what the next checkpoint will write, roughly)
     */
    long dirtyBytes() {
        return dirtyBytes;
    }

    void resetDirty() {
        dirtyBytes = 0;
    }

    /** @return the change in the number of keys since the last call, and resets it */
    long takeKeyDelta() {
        long d = keyDelta;
        keyDelta = 0;
        return d;
    }

    /** @return the new root after storing {@code value} under {@code key}; {@code root} may be null (empty) */
    Node put(Node root, byte[] key, byte[] value) {
        if (!BTreeFormat.inline(key.length, value.length, pageSize)) {
            dirtyBytes += value.length; // large values live in memory until a checkpoint writes their chains
        }
        if (root == null) {
            keyDelta++;
            return track(Node.leaf(new byte[][]{key}, new Object[]{value}, pageSize, 0));
        }
        Object r = insert(root, key, value);
        if (r instanceof Node n) {
            return n;
        }
        Split s = (Split) r;
        return track(Node.internal(new byte[][]{s.separator}, new Object[]{s.left, s.right}, 0));
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

    /** @return the replacement of {@code node}: a {@link Node} or a {@link Split} */
    private Object insert(Node node, byte[] key, byte[] value) {
        byte[][] keys;
        Object[] slots;
        if (node.isLeaf()) {
            int i = node.search(key);
            if (i >= 0) {
                keys = node.keysCopy();
                slots = node.slotsCopy();
                dropValue(key, slots[i]);
                slots[i] = value;
            } else {
                int at = -(i + 1);
                keys = insertAt(node.keysCopy(), at, key);
                slots = insertAt(node.slotsCopy(), at, value);
                keyDelta++;
            }
            drop(node);
            Node leaf = Node.leaf(keys, slots, pageSize, 0);
            return leaf.bytes() <= capacity ? track(leaf) : splitLeaf(keys, slots);
        }
        int ci = node.childIndex(key);
        Object r = insert(pool.child(node, ci), key, value);
        keys = node.keysCopy();
        slots = node.slotsCopy();
        if (r instanceof Node n) {
            slots[ci] = n;
        } else {
            Split s = (Split) r;
            keys = insertAt(keys, ci, s.separator);
            slots[ci] = s.left;
            slots = insertAt(slots, ci + 1, s.right);
        }
        drop(node);
        Node internal = Node.internal(keys, slots, 0);
        return internal.bytes() <= capacity ? track(internal) : splitInternal(keys, slots);
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
        Node l = track(Node.leaf(Arrays.copyOfRange(keys, 0, m), Arrays.copyOfRange(values, 0, m), pageSize, 0));
        Node r = track(Node.leaf(Arrays.copyOfRange(keys, m, keys.length),
                Arrays.copyOfRange(values, m, values.length), pageSize, 0));
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
        Node l = track(Node.internal(Arrays.copyOfRange(keys, 0, m), Arrays.copyOfRange(children, 0, m + 1), 0));
        Node r = track(Node.internal(Arrays.copyOfRange(keys, m + 1, keys.length),
                Arrays.copyOfRange(children, m + 1, children.length), 0));
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
            return track(Node.leaf(removeAt(node.keysCopy(), i), removeAt(node.slotsCopy(), i), pageSize, 0));
        }
        int ci = node.childIndex(key);
        Node child = pool.child(node, ci);
        Node r = remove(child, key);
        if (r == child) {
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
            return track(Node.internal(keys, slots, 0));
        }
        slots[ci] = r;
        if (r.bytes() < capacity / 4 && slots.length > 1) {
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
        return track(Node.internal(keys, slots, 0));
    }

    /** @return {@code a} and {@code b} (adjacent siblings, {@code a} left) as one node, or null if it would not fit */
    private Node merge(Node a, byte[] separator, Node b) {
        if (a.isLeaf()) {
            if (a.bytes() + b.bytes() > capacity) {
                return null;
            }
            return track(Node.leaf(concat(a.keysCopy(), b.keysCopy()), concat(a.slotsCopy(), b.slotsCopy()),
                    pageSize, 0));
        }
        int bytes = a.bytes() + b.bytes() - BTreeFormat.INTERNAL_BODY_OVERHEAD
                + BTreeFormat.INTERNAL_ENTRY_OVERHEAD + separator.length;
        if (bytes > capacity) {
            return null;
        }
        return track(Node.internal(concat(concat(a.keysCopy(), new byte[][]{separator}), b.keysCopy()),
                concat(a.slotsCopy(), b.slotsCopy()), 0));
    }

    /** A node left the current tree: its page, if it has one, is pending free; if it is dirty, it needs no write. */
    private void drop(Node n) {
        if (n.isDirty()) {
            dirtyBytes -= n.bytes();
        } else {
            space.release(n.pageId(), version);
        }
    }

    /** A value left the current tree: its overflow chain, if written, is pending free; else it needs no write. */
    private void dropValue(byte[] key, Object value) {
        if (value instanceof OverflowRef ref) {
            space.releaseChain(ref, version);
        } else if (!BTreeFormat.inline(key.length, ((byte[]) value).length, pageSize)) {
            dirtyBytes -= ((byte[]) value).length;
        }
    }

    private Node track(Node n) {
        dirtyBytes += n.bytes();
        return n;
    }

    private static <T> T[] insertAt(T[] a, int at, T x) {
        T[] r = Arrays.copyOf(a, a.length + 1);
        System.arraycopy(a, at, r, at + 1, a.length - at);
        r[at] = x;
        return r;
    }

    private static <T> T[] removeAt(T[] a, int at) {
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
