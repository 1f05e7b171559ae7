package io.durakv.btree;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.NoSuchElementException;

/**
 * A scan: walks one root of the copy-on-write tree in key order, loading nodes lazily. Because writers never change a
 * node a root can reach, the root pinned at {@code scan} time is a point-in-time view for free; its version is
 * registered with {@link Snapshots} so that no page it may still read is reused while it is open. It holds no lock.
 *
 * <p>Not thread-safe (one iterator, one thread).
 */
final class Cursor implements KeyValueIterator {

    private static final class Frame {
        /** The node, or null for a leaf the pool holds as its page bytes ({@link #page}). */
        final Node node;
        final LeafPage page;
        /** Leaf: the next entry. Internal: the child being visited. */
        int index;
        /** A leaf read for this scan alone (not cached): its arrays are handed out without copies. */
        final boolean owned;

        Frame(Node node, int index, boolean owned) {
            this.node = node;
            this.page = null;
            this.index = index;
            this.owned = owned;
        }

        /** A leaf cached as its page bytes: entries are copied out of it one by one, as lookups do. */
        Frame(LeafPage page, int index) {
            this.node = null;
            this.page = page;
            this.index = index;
            this.owned = false;
        }
    }

    /** Out parameter of {@link BufferPool#cachedOrRead}. */
    private final boolean[] owned = new boolean[1];

    private final BTreeStore store;
    private final long version;
    private final byte[] to;
    private final Deque<Frame> stack = new ArrayDeque<>();
    private KeyValue next;
    private boolean closed;

    Cursor(BTreeStore store, BTreeStore.Version v, byte[] fromInclusive, byte[] toExclusive) {
        this.store = store;
        this.version = v.number();
        this.to = toExclusive == null ? null : toExclusive.clone();
        byte[] from = fromInclusive == null ? null : fromInclusive.clone();
        try {
            seek(v.root(), from);
            next = fetch();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void seek(Node root, byte[] from) {
        if (root == null) {
            return;
        }
        Object c = root;
        owned[0] = false;
        while (c instanceof Node n && !n.isLeaf()) {
            int ci = from == null ? 0 : n.childIndex(from);
            stack.push(new Frame(n, ci, false));
            c = leafOrChild(n, ci);
        }
        if (c instanceof LeafPage p) {
            int i = from == null ? 0 : p.search(from);
            stack.push(new Frame(p, i >= 0 ? i : -(i + 1)));
        } else {
            Node n = (Node) c;
            int i = from == null ? 0 : n.search(from);
            stack.push(new Frame(n, i >= 0 ? i : -(i + 1), owned[0]));
        }
    }

    private KeyValue fetch() {
        while (!stack.isEmpty()) {
            Frame f = stack.peek();
            if (f.page != null) {
                if (f.index < f.page.keyCount()) {
                    int i = f.index++;
                    byte[] key = f.page.key(i);
                    if (to != null && Arrays.compareUnsigned(key, to) >= 0) {
                        stack.clear();
                        return null;
                    }
                    return new KeyValue(key, f.page.value(i, store.pool()));
                }
                stack.pop();
                continue;
            }
            Node n = f.node;
            if (n.isLeaf()) {
                if (f.index < n.keyCount()) {
                    int i = f.index++;
                    byte[] key = n.key(i);
                    if (to != null && Arrays.compareUnsigned(key, to) >= 0) {
                        stack.clear();
                        return null;
                    }
                    Object slot = n.slot(i);
                    if (f.owned) {
                        return new KeyValue(key, slot instanceof byte[] v ? v : store.value(slot));
                    }
                    return new KeyValue(key.clone(), store.value(slot));
                }
                stack.pop();
            } else if (++f.index < n.slotCount()) {
                Object c = leafOrChild(n, f.index);
                while (c instanceof Node cn && !cn.isLeaf()) {
                    stack.push(new Frame(cn, 0, false));
                    c = leafOrChild(cn, 0);
                }
                stack.push(c instanceof LeafPage p ? new Frame(p, 0) : new Frame((Node) c, 0, owned[0]));
            } else {
                stack.pop();
            }
        }
        return null;
    }

    /**
     * Child {@code i} of {@code parent} as the scan moves on: a node in memory or in the pool is shared (and copied
     * from; a leaf the pool holds as its page bytes is a {@link LeafPage}, read in place); a page the pool does not
     * hold is read for this scan alone, not cached, so that a long scan neither evicts what lookups use nor copies its
     * entries twice ({@link #owned} tells which).
     *
     * @return a {@link Node} or a {@link LeafPage}
     */
    private Object leafOrChild(Node parent, int i) {
        Object s = parent.slot(i);
        owned[0] = false;
        if (s instanceof Node n) {
            return n;
        }
        Object c = store.pool().cachedOrRead((Integer) s, owned);
        if (owned[0] && c instanceof Node n && !n.isLeaf()) {
            owned[0] = false; // internal nodes are few and every scan and lookup passes them: cache them
            store.pool().put(n.pageId(), n);
        }
        return c;
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("iterator is closed");
        }
        if (store.isClosed()) {
            throw new IllegalStateException("the store of this iterator is closed");
        }
    }

    @Override
    public boolean hasNext() {
        checkUsable();
        return next != null;
    }

    @Override
    public KeyValue next() {
        checkUsable();
        if (next == null) {
            throw new NoSuchElementException();
        }
        KeyValue kv = next;
        next = fetch();
        return kv;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            stack.clear();
            next = null;
            store.snapshots().close(version);
        }
    }
}
