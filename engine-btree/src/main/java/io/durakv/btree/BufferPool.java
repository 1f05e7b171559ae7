package io.durakv.btree;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

import static io.durakv.btree.BTreeFormat.*;

/**
 * The cache of clean (written) nodes by page id, under a byte budget, and the one place nodes and overflow values are
 * read from the data file. Dirty nodes are never here: the tree holds them by reference until a checkpoint writes
 * them, so eviction can never lose a change.
 *
 * <p>An entry is a {@link Node} (an internal node, or a leaf a checkpoint has just written) or a {@link LeafPage} (a
 * leaf read from disk: its page bytes, searched in place by lookups). Each counts what it takes in memory against the
 * budget, so the compact leaves let more of the tree fit.
 *
 * <p>Eviction is CLOCK-like: a node that was used since the hand last passed gets a second chance. A lookup is one
 * read of an array indexed by page id (no hashing, no boxing); only caching a node (after a read or a checkpoint)
 * takes a lock, so readers of cached nodes never wait for one another.
 *
 * <p>Correctness of a cached page relies on the free-space rules ({@link FreeSpace}): a page id is rewritten only
 * after no reader can still reach the node it held, and the checkpoint that rewrites it replaces the cache entry.
 *
 * <p>Thread-safe.
 */
final class BufferPool {

    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(Object[].class);

    /**
     * Use marks. A hit or caching sets a leaf's mark to {@link #LEAF_CHANCES} and an internal node's to
     * {@link #INTERNAL_CHANCES}; each pass of the eviction hand lowers a mark by one and evicts a node whose mark is
     * 0. Internal nodes (a few hundred for a million keys) thus outlive the leaves a random read streams through,
     * and a lookup that misses a leaf does not also miss its parent.
     */
    static final byte LEAF_CHANCES = 1;
    static final byte INTERNAL_CHANCES = 4;
    /** The mark of a free slot whose leaf missed once since the hand last passed ({@link #admit}). */
    private static final byte MISSED = -1;

    private final PageFile file;
    private final long budget;

    /**
     * The cached nodes and their use marks, both indexed by page id (page ids are dense: the file's pages numbered
     * from 0). Nodes are read with acquire and written with release semantics; marks are plain bytes (a lost mark
     * costs a node one chance, never correctness).
     */
    private static final class Table {
        /** {@link Node} or {@link LeafPage}. */
        final Object[] nodes;
        final byte[] marks;
        /** The memory each entry was counted with. Guarded by {@link #lock}. */
        final int[] costs;

        Table(int size) {
            nodes = new Object[size];
            marks = new byte[size];
            costs = new int[size];
        }

        Table(Table from, int size) {
            nodes = Arrays.copyOf(from.nodes, size);
            marks = Arrays.copyOf(from.marks, size);
            costs = Arrays.copyOf(from.costs, size);
        }
    }

    /** Replaced by a larger copy when a page id past its end is cached. Changed only under {@link #lock}. */
    private volatile Table table = new Table(1024);
    /** Guards every change of {@link #table}, {@link #bytes}, {@link #count} and {@link #hand}. */
    private final Object lock = new Object();
    private long bytes;
    private int count;
    /** The eviction hand: the page id the next eviction looks at first. */
    private int hand;

    BufferPool(PageFile file, long budgetBytes) {
        this.file = file;
        this.budget = budgetBytes;
    }

    PageFile file() {
        return file;
    }

    private static byte chances(Object entry) {
        return entry instanceof Node n && !n.isLeaf() ? INTERNAL_CHANCES : LEAF_CHANCES;
    }

    /** @return an estimate of the memory an entry takes (the pool's budget counts it) */
    private static int cost(Object entry) {
        return entry instanceof LeafPage p ? p.memoryBytes() : ((Node) entry).memoryBytes();
    }

    /**
     * Returns the clean node on page {@code id}, reading it if it is not cached. A leaf cached as a {@link LeafPage}
     * is returned as a node of its own; a leaf read for this call is not cached (a writer copies and drops it).
     *
     * @throws CorruptionException if the page fails its checks
     * @throws StoreException      if the read fails
     */
    Node node(int id) {
        Object e = cached(id, true);
        if (e instanceof Node n) {
            return n;
        }
        if (e instanceof LeafPage p) {
            return p.toNode(file.pageSize());
        }
        Node n = read(id);
        if (!n.isLeaf()) {
            put(id, n);
        }
        return n;
    }

    /**
     * For a lookup: the child {@code i} of an internal node as a {@link Node} or a {@link LeafPage}, reading it if
     * needed. An internal node read is cached; a leaf read is cached on its second miss only ({@link #admit}): on its
     * first, the returned leaf reads this thread's transient page ({@link PageFile#readTransient}) and is valid only
     * until the thread's next page read, for the one lookup that asked.
     */
    Object lookup(Node parent, int i) {
        Object s = parent.slot(i);
        if (s instanceof Node n) {
            return n;
        }
        int id = (Integer) s;
        Object e = cached(id, true);
        if (e == null) {
            e = readForLookup(id);
        }
        return e;
    }

    /**
     * Whether a leaf that missed the pool is cached now: on its second miss since the eviction hand last passed its
     * page id. The first miss leaves a mark ({@link #MISSED}) on the free slot; a leaf read once (a random lookup
     * over a tree larger than the pool) then costs a search in the page read, without decoding a copy of it, caching
     * it and evicting another; a leaf missed again while the mark lasts is worth caching.
     */
    private boolean admit(int id) {
        Table t = table;
        if (id >= t.marks.length) {
            return true; // the table grows to cache it: a page new since the pool last grew
        }
        if (t.marks[id] == MISSED) {
            return true;
        }
        t.marks[id] = MISSED; // plain: a lost mark only delays caching the leaf
        return false;
    }

    /** Reads page {@code id} for a lookup: cached if it is an internal node or {@link #admit}ted. */
    private Object readForLookup(int id) {
        try {
            ByteBuffer page = file.readTransient(id, PageFile.ANY_NODE);
            if (page.get(P_TYPE) == TYPE_LEAF) {
                boolean keep = admit(id);
                LeafPage leaf = PageCodec.decodeLeafPage(page, id, file.path(), file.offset(id), keep);
                if (keep) {
                    put(id, leaf);
                }
                return leaf;
            }
            Node n = PageCodec.decodeNode(page, id, file.pageSize(), file.path(), file.offset(id));
            put(id, n);
            return n;
        } catch (IOException e) {
            throw new StoreException("cannot read page " + id + " of " + file.path(), e);
        }
    }

    /**
     * Returns the node on page {@code id} if it is cached (marking it used): a {@link Node}, or a {@link LeafPage}
     * for a leaf cached as its page bytes; else reads it without caching it: the node and its arrays then belong to
     * the caller alone (a scan streaming through leaves hands them out without copying, and does not evict what
     * lookups use).
     *
     * @param owned set to whether the node was read for the caller ({@code owned[0]})
     * @return a {@link Node} or a {@link LeafPage}
     */
    Object cachedOrRead(int id, boolean[] owned) {
        Object e = cached(id, true);
        owned[0] = e == null;
        return e != null ? e : read(id);
    }

    private Object cached(int id, boolean mark) {
        Table t = table;
        if (id >= 0 && id < t.nodes.length) {
            Object n = ENTRY.getAcquire(t.nodes, id);
            if (n != null) {
                byte c = chances(n);
                if (mark && t.marks[id] != c) {
                    t.marks[id] = c; // written only when it changes: hits of many threads share the line
                }
                return n;
            }
        }
        return null;
    }

    /** Reads and decodes page {@code id}, not caching it. */
    private Node read(int id) {
        try {
            ByteBuffer page = file.readTransient(id, PageFile.ANY_NODE);
            return PageCodec.decodeNode(page, id, file.pageSize(), file.path(), file.offset(id));
        } catch (IOException e) {
            throw new StoreException("cannot read page " + id + " of " + file.path(), e);
        }
    }

    /** @return the child {@code i} of an internal node: the node in the slot, or the cached or read page */
    Node child(Node parent, int i) {
        Object s = parent.slot(i);
        return s instanceof Node n ? n : node((Integer) s);
    }

    /**
     * Caches a node a checkpoint has just written to page {@code id}, or a node or leaf just read from it, replacing
     * what the page held before.
     */
    void put(int id, Object n) {
        put(id, n, cost(n));
    }

    /** As {@link #put(int, Object)}, with the entry's memory estimate computed by the caller. */
    void put(int id, Object n, int cost) {
        synchronized (lock) {
            Table t = table;
            if (id >= t.nodes.length) {
                t = new Table(t, Math.max(id + 1, t.nodes.length + (t.nodes.length >> 1)));
                table = t;
            }
            Object old = ENTRY.getAcquire(t.nodes, id);
            t.marks[id] = chances(n);
            ENTRY.setRelease(t.nodes, id, n);
            if (old == null) {
                count++;
            }
            bytes += cost - t.costs[id];
            t.costs[id] = cost;
            if (bytes > budget) {
                evict(t);
            }
        }
    }

    /** Forgets every cached page (used when the store closes). */
    void clear() {
        synchronized (lock) {
            table = new Table(1024);
            bytes = 0;
            count = 0;
            hand = 0;
        }
    }

    /** @return whether page {@code id} is cached (tests) */
    boolean cached(int id) {
        return cached(id, false) != null;
    }

    /** @return the memory the cached entries are counted with (tests) */
    long bytes() {
        synchronized (lock) {
            return bytes;
        }
    }

    /** @return the number of cached nodes */
    int size() {
        synchronized (lock) {
            return count;
        }
    }

    /** Reads the value an overflow chain holds, checking every page and the total length. */
    byte[] readOverflow(OverflowRef ref) {
        byte[] value = new byte[ref.length()];
        int filled = 0;
        int id = ref.firstPage();
        int cap = overflowCapacity(file.pageSize());
        try {
            while (filled < value.length) {
                if (id == 0) {
                    throw new CorruptionException(file.path(), 0, "overflow chain from page " + ref.firstPage()
                            + " ends after " + filled + " of " + value.length + " bytes");
                }
                ByteBuffer page = file.readTransient(id, TYPE_OVERFLOW);
                int n = PageCodec.count(page, Math.min(cap, value.length - filled), file.path(), file.offset(id));
                if (n == 0) {
                    throw new CorruptionException(file.path(), file.offset(id) + P_COUNT, "empty overflow page");
                }
                page.get(PAGE_HEADER, value, filled, n);
                filled += n;
                id = PageCodec.link(page);
            }
        } catch (IOException e) {
            throw new StoreException("cannot read the overflow chain from page " + ref.firstPage() + " of "
                    + file.path(), e);
        }
        return value;
    }

    /**
     * CLOCK: moves the hand over the table until the budget holds, lowering the mark of each node it passes and
     * removing those whose mark is 0. Lock held; {@code t} is the current table.
     */
    private void evict(Table t) {
        Object[] nodes = t.nodes;
        byte[] marks = t.marks;
        long limit = (INTERNAL_CHANCES + 1L) * nodes.length + 2;
        for (long scanned = 0; bytes > budget && scanned < limit; scanned++) {
            if (hand >= nodes.length) {
                hand = 0;
            }
            int i = hand++;
            if (nodes[i] == null) {
                marks[i] = 0; // a first miss is forgotten once the hand passes it
                continue;
            }
            if (marks[i] > 0) {
                marks[i]--;
            } else {
                ENTRY.setRelease(nodes, i, null);
                count--;
                bytes -= t.costs[i];
                t.costs[i] = 0;
            }
        }
    }
}
