package io.durakv.btree;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static io.durakv.btree.BTreeFormat.*;

/**
 * The cache of clean (written) nodes by page id, under a byte budget, and the one place nodes and overflow values are
 * read from the data file. Dirty nodes are never here: the tree holds them by reference until a checkpoint writes
 * them, so eviction can never lose a change.
 *
 * <p>Eviction is CLOCK-like: a node that was used since the hand last passed gets a second chance. A lookup is a
 * {@link ConcurrentHashMap} read; only eviction takes a lock, so readers never wait for one another.
 *
 * <p>Correctness of a cached page relies on the free-space rules ({@link FreeSpace}): a page id is rewritten only
 * after no reader can still reach the node it held, and the checkpoint that rewrites it replaces the cache entry.
 *
 * <p>Thread-safe.
 */
final class BufferPool {

    private final PageFile file;
    private final long budget;
    private final Map<Integer, Cached> pages = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    /** Guards {@link #hand}. */
    private final Object evictLock = new Object();
    private Iterator<Map.Entry<Integer, Cached>> hand;

    private static final class Cached {
        final Node node;
        volatile boolean used = true;

        Cached(Node node) {
            this.node = node;
        }
    }

    /** Per-node memory cost: the page plus object overhead. */
    private final int nodeCost;

    BufferPool(PageFile file, long budgetBytes) {
        this.file = file;
        this.budget = budgetBytes;
        this.nodeCost = file.pageSize() + 256;
    }

    PageFile file() {
        return file;
    }

    /**
     * Returns the clean node on page {@code id}, reading it if it is not cached.
     *
     * @throws CorruptionException if the page fails its checks
     * @throws StoreException      if the read fails
     */
    Node node(int id) {
        Cached c = pages.get(id);
        if (c != null) {
            c.used = true;
            return c.node;
        }
        Node n;
        try {
            ByteBuffer page = file.read(id, PageFile.ANY_NODE);
            n = PageCodec.decodeNode(page, id, file.pageSize(), file.path(), file.offset(id));
        } catch (IOException e) {
            throw new StoreException("cannot read page " + id + " of " + file.path(), e);
        }
        put(id, n);
        return n;
    }

    /** @return the child {@code i} of an internal node: the node in the slot, or the cached or read page */
    Node child(Node parent, int i) {
        Object s = parent.slot(i);
        return s instanceof Node n ? n : node((Integer) s);
    }

    /** Caches a node a checkpoint has just written to page {@code id}, replacing what the page held before. */
    void put(int id, Node n) {
        Cached old = pages.put(id, new Cached(n));
        if (old == null && bytes.addAndGet(nodeCost) > budget) {
            evict();
        }
    }

    /** Forgets every cached page (used when the store closes). */
    void clear() {
        pages.clear();
        bytes.set(0);
    }

    /** @return the number of cached nodes */
    int size() {
        return pages.size();
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
                ByteBuffer page = file.read(id, TYPE_OVERFLOW);
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

    private void evict() {
        synchronized (evictLock) {
            int scanned = 0;
            int limit = 2 * pages.size() + 2;
            while (bytes.get() > budget && scanned++ < limit) {
                if (hand == null || !hand.hasNext()) {
                    hand = pages.entrySet().iterator();
                    if (!hand.hasNext()) {
                        return;
                    }
                }
                Map.Entry<Integer, Cached> e = hand.next();
                Cached c = e.getValue();
                if (c.used) {
                    c.used = false;
                } else if (pages.remove(e.getKey(), c)) {
                    bytes.addAndGet(-nodeCost);
                }
            }
        }
    }
}
