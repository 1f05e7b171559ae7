package io.durakv.btree;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Set;
import java.util.TreeSet;

import static io.durakv.btree.BTreeFormat.*;

/**
 * The structural check behind {@link BTreeStore#verify()} (after bbolt's {@code tx_check}). It reads the durable tree
 * from the file, bypassing the buffer pool, so that every page's checksum is checked as stored; then it walks the
 * in-memory tree for order and ranges.
 *
 * <p>Not thread-safe: runs under the store's writer lock, so no checkpoint changes the file meanwhile.
 */
final class Verifier {

    private final PageFile file;
    private final BufferPool pool;
    private final int maxKeyBytes;
    /** Pages reached so far in the durable image: tree nodes, overflow pages, free-list pages. */
    private final BitSet used = new BitSet();
    private int leafDepth = -1;
    private long keys;

    Verifier(PageFile file, BufferPool pool, int maxKeyBytes) {
        this.file = file;
        this.pool = pool;
        this.maxKeyBytes = maxKeyBytes;
    }

    /**
     * @param durable     the durable header the store runs on
     * @param space       the store's free-space state, checked against the durable free list
     * @param currentRoot the in-memory tree's root, or null
     * @param currentKeys the store's key count of the in-memory tree
     */
    void verify(Header durable, FreeSpace space, Node currentRoot, long currentKeys) throws IOException {
        Header onDisk = Recovery.newestHeader(file.raw());
        if (!onDisk.equals(durable)) {
            throw new CorruptionException(file.path(), file.offset(durable.slot()), "newest header on disk " + onDisk
                    + " differs from the store's durable header " + durable);
        }
        if (durable.root() != 0) {
            checkDurable(durable.root(), null, null, 0);
        }
        if (keys != durable.keyCount()) {
            throw new CorruptionException(file.path(), file.offset(durable.slot()), "the tree holds " + keys
                    + " keys, the header says " + durable.keyCount());
        }
        int[][] list = Recovery.readFreeList(file, durable);
        for (int page : list[1]) {
            mark(page, "free-list page");
        }
        TreeSet<Integer> free = new TreeSet<>();
        for (int id : list[0]) {
            if (!free.add(id)) {
                throw new CorruptionException(file.path(), file.offset(list[1][0]), "page " + id
                        + " is listed as free twice");
            }
            if (used.get(id)) {
                throw new CorruptionException(file.path(), file.offset(id), "page " + id + " is both free and used");
            }
        }
        for (int id = FIRST_DATA_PAGE; id < durable.pageCount(); id++) {
            if (!used.get(id) && !free.contains(id)) {
                throw new CorruptionException(file.path(), file.offset(id), "page " + id
                        + " is neither reachable nor free (leaked)");
            }
        }
        if (used.length() > durable.pageCount()) {
            throw new CorruptionException(file.path(), file.offset(used.length() - 1), "page " + (used.length() - 1)
                    + " is reachable but beyond the header's page count " + durable.pageCount());
        }
        if (!space.freeOnDisk().equals(free)) {
            throw new StoreException("in-memory free space " + space.freeOnDisk().size() + " pages disagrees with "
                    + "the durable free list of " + free.size() + " pages in " + file.path());
        }
        Set<Integer> pending = space.pendingPages();
        for (int id : pending) {
            if (!used.get(id)) {
                throw new StoreException("page " + id + " is pending free but not in the durable tree of "
                        + file.path());
            }
        }
        keys = 0;
        leafDepth = -1;
        if (currentRoot != null) {
            checkMemory(currentRoot, null, null, 0);
        }
        if (keys != currentKeys) {
            throw new StoreException("the in-memory tree holds " + keys + " keys, the store counts " + currentKeys);
        }
    }

    private void checkDurable(int id, byte[] low, byte[] high, int depth) throws IOException {
        mark(id, "tree page");
        ByteBuffer page = file.read(id, PageFile.ANY_NODE);
        Node n = PageCodec.decodeNode(page, id, file.pageSize(), file.path(), file.offset(id));
        checkKeys(n, low, high, depth, id);
        if (n.isLeaf()) {
            for (int i = 0; i < n.slotCount(); i++) {
                if (n.slot(i) instanceof OverflowRef ref) {
                    checkChain(ref, id);
                }
            }
            return;
        }
        for (int i = 0; i < n.slotCount(); i++) {
            checkDurable((Integer) n.slot(i), i == 0 ? low : n.key(i - 1), i == n.keyCount() ? high : n.key(i),
                    depth + 1);
        }
    }

    private void checkMemory(Node n, byte[] low, byte[] high, int depth) {
        checkKeys(n, low, high, depth, n.pageId());
        if (!n.isLeaf()) {
            for (int i = 0; i < n.slotCount(); i++) {
                checkMemory(pool.child(n, i), i == 0 ? low : n.key(i - 1), i == n.keyCount() ? high : n.key(i),
                        depth + 1);
            }
        }
    }

    /** Keys strictly increasing, within {@code [low, high)}, not too long; leaves all at one depth. */
    private void checkKeys(Node n, byte[] low, byte[] high, int depth, int id) {
        for (int i = 0; i < n.keyCount(); i++) {
            byte[] k = n.key(i);
            String bad = null;
            if (k.length > maxKeyBytes) {
                bad = "key " + i + " of " + k.length + " bytes is longer than the maximum";
            } else if (i > 0 && Arrays.compareUnsigned(n.key(i - 1), k) >= 0) {
                bad = "keys " + (i - 1) + " and " + i + " out of order";
            } else if (low != null && Arrays.compareUnsigned(k, low) < 0) {
                bad = "key " + i + " below its parent's range";
            } else if (high != null && Arrays.compareUnsigned(k, high) >= 0) {
                bad = "key " + i + " at or above its parent's range";
            }
            if (bad != null) {
                throw problem(id, bad);
            }
        }
        if (n.isLeaf()) {
            if (n.keyCount() == 0 && depth > 0) {
                throw problem(id, "empty leaf below the root");
            }
            if (leafDepth >= 0 && leafDepth != depth) {
                throw problem(id, "leaf at depth " + depth + ", others at " + leafDepth);
            }
            leafDepth = depth;
            keys += n.keyCount();
        }
        if (n.bytes() > bodyCapacity(file.pageSize())) {
            throw problem(id, "node of " + n.bytes() + " bytes does not fit a page");
        }
    }

    private RuntimeException problem(int id, String what) {
        return id == 0 ? new StoreException("in-memory node: " + what + " (" + file.path() + ")")
                : new CorruptionException(file.path(), file.offset(id), "page " + id + ": " + what);
    }

    private void checkChain(OverflowRef ref, int leaf) throws IOException {
        int cap = overflowCapacity(file.pageSize());
        long total = 0;
        int id = ref.firstPage();
        while (total < ref.length()) {
            if (id == 0) {
                throw new CorruptionException(file.path(), file.offset(leaf), "overflow chain from page "
                        + ref.firstPage() + " ends after " + total + " of " + ref.length() + " bytes");
            }
            mark(id, "overflow page");
            ByteBuffer page = file.read(id, TYPE_OVERFLOW);
            int n = PageCodec.count(page, cap, file.path(), file.offset(id));
            if (n == 0) {
                throw new CorruptionException(file.path(), file.offset(id), "empty overflow page");
            }
            total += n;
            id = PageCodec.link(page);
        }
        if (total != ref.length() || id != 0) {
            throw new CorruptionException(file.path(), file.offset(leaf), "overflow chain from page "
                    + ref.firstPage() + " holds " + total + " bytes and links on to " + id + ", the leaf says "
                    + ref.length());
        }
    }

    private void mark(int id, String what) {
        if (id < FIRST_DATA_PAGE) {
            throw new CorruptionException(file.path(), file.offset(id), what + " " + id + " is a header slot");
        }
        if (used.get(id)) {
            throw new CorruptionException(file.path(), file.offset(id), what + " " + id + " is referenced twice");
        }
        used.set(id);
    }
}
