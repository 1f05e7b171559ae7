package io.durakv.lsm;

import io.durakv.api.WriteBatch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-memory sorted table of recent writes: internal entries (user key, sequence number, put or tombstone) in
 * internal-key order ({@link EntryKind#compare}), with a byte budget that the store compares against
 * {@code lsm.memtableBytes}.
 *
 * <p>A memtable holds the writes of one contiguous range of log records: the store applies records strictly in LSN
 * order, and makes a memtable immutable only between two records, so "flushed up to {@link #lastSequence()}" means
 * every record up to that LSN. The operations of one batch share the batch's LSN; a later operation on the same key
 * in the batch replaces the earlier one (same internal key), so a batch reads as its final state.
 *
 * <p>Layout (an arena skip list, like LevelDB's and RocksDB's inline skip lists): no object per entry. Key and value
 * bytes are copied, contiguously, into large {@code byte[]} pages; each node is a run of {@code int}s in large
 * {@code int[]} pages: where its key and value are, their lengths, its sequence number, the key's first 8 bytes, then one
 * next-node reference per level. A reference is {@code page << NODE_PAGE_BITS | offset}; 0 is the head node (never a successor), so 0
 * also means "none". A probe thus touches one node page and one data page per level instead of following index node,
 * node, key object and key array, and the garbage collector sees a few dozen large arrays instead of millions of
 * small objects. Nodes are never changed once linked, and never removed.
 *
 * <p>Thread-safety: one writer at a time ({@link #apply}, under the store's writer lock) with any number of concurrent
 * lock-free readers. The writer fills a node completely, then links it level by level from the bottom with release
 * stores; readers load links with acquire loads, so a node a reader reaches is complete. Readers filter by sequence
 * number, so they never see a record that is still being applied.
 */
final class Memtable {

    /** Per-entry bookkeeping counted against the budget besides key and value bytes. */
    static final int ENTRY_OVERHEAD = 64;

    /** The newest visible entry of a key: its kind and (for a put) value, a fresh array the caller owns. */
    record Hit(byte kind, byte[] value) {
    }

    private static final VarHandle LINK = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle BIG_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    static final int MAX_HEIGHT = 12;
    /** A node reaches level {@code i + 1} with probability 1/4 once it reached level {@code i}. */
    private static final int BRANCHING_MASK = 3;

    // A node's ints: where its key is (data page, offset; the value follows the key), lengths, sequence, links.
    private static final int DATA_PAGE = 0;
    private static final int DATA_OFFSET = 1;
    private static final int KEY_LENGTH = 2;
    /** The value's length, or -1 for a tombstone. */
    private static final int VALUE_LENGTH = 3;
    private static final int SEQ_HIGH = 4;
    private static final int SEQ_LOW = 5;
    /** The key's first 8 bytes (zero-padded), big-endian: most comparisons end here, without the data page. */
    private static final int PREFIX_HIGH = 6;
    private static final int PREFIX_LOW = 7;
    private static final int NEXT = 8;

    private static final int NODE_PAGE_BITS = 18;
    private static final int NODE_OFFSET_MASK = (1 << NODE_PAGE_BITS) - 1;
    private static final int FIRST_NODE_PAGE_INTS = 1024;
    private static final int MAX_NODE_PAGE_INTS = 1 << NODE_PAGE_BITS;
    private static final int FIRST_DATA_PAGE_BYTES = 4096;
    private static final int MAX_DATA_PAGE_BYTES = 1 << 20;
    /** An entry larger than this gets a data page of its own instead of a share of the current one. */
    private static final int OWN_PAGE_BYTES = MAX_DATA_PAGE_BYTES / 4;

    private static final int HEAD = 0;

    /** Node pages; replaced by a longer copy when full (pages themselves never move). Read by readers. */
    private volatile int[][] nodePages;
    /** Data pages, likewise. */
    private volatile byte[][] dataPages;
    /** Levels in use, 1..MAX_HEIGHT; a reader that sees a new level before its first link just descends. */
    private volatile int height = 1;

    // Writer-only state (the writer lock orders successive writers).
    private int nodePageCount;
    private int nodeTop;
    private int dataPageCount;
    private int dataCurrent;
    private int dataTop;
    private int random = 0x2545F491;
    /** The last inserted node, and per level the node after which it was linked (or it, on its own levels). */
    private int last;
    private final int[] splice = new int[MAX_HEIGHT];

    private final AtomicLong bytes = new AtomicLong();
    private volatile long firstSequence;
    private volatile long lastSequence;

    Memtable() {
        int[] first = new int[FIRST_NODE_PAGE_INTS];
        nodePages = new int[][] {first, null, null, null};
        nodePageCount = 1;
        nodeTop = NEXT + MAX_HEIGHT; // the head: no key, every link 0
        dataPages = new byte[][] {new byte[FIRST_DATA_PAGE_BYTES], null, null, null};
        dataPageCount = 1;
        dataCurrent = 0;
    }

    /** Adds the operations of log record {@code lsn}. Only one thread at a time (the store's writer lock). */
    void apply(List<WriteBatch.Op> ops, long lsn) {
        int n = ops.size();
        if (strictlyAscending(ops)) {
            // No key twice; in key order, so that each insert starts from the previous one's path.
            for (int i = 0; i < n; i++) {
                add(ops.get(i), lsn);
            }
        } else {
            // Latest first: an operation that finds its internal key present was replaced by a later one of the
            // batch. (A batch in descending key order is thus inserted in key order too.)
            for (int i = n - 1; i >= 0; i--) {
                add(ops.get(i), lsn);
            }
        }
        if (firstSequence == 0) {
            firstSequence = lsn;
        }
        lastSequence = lsn;
    }

    private void add(WriteBatch.Op op, long lsn) {
        byte[] value = op.isDelete() ? null : op.value();
        if (insert(op.key(), lsn, value)) {
            bytes.addAndGet(ENTRY_OVERHEAD + op.key().length + (value == null ? 0 : value.length));
        }
    }

    private static boolean strictlyAscending(List<WriteBatch.Op> ops) {
        for (int i = 1; i < ops.size(); i++) {
            if (Arrays.compareUnsigned(ops.get(i - 1).key(), ops.get(i).key()) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** @return the newest entry of {@code userKey} with sequence {@code <= maxSequence}, or null if there is none */
    Hit get(byte[] userKey, long maxSequence) {
        int n = seekNode(userKey, maxSequence);
        if (n == 0) {
            return null;
        }
        int[] p = nodePage(n);
        int o = n & NODE_OFFSET_MASK;
        byte[] d = dataPages[p[o + DATA_PAGE]];
        int off = p[o + DATA_OFFSET];
        int keyLength = p[o + KEY_LENGTH];
        if (!Arrays.equals(d, off, off + keyLength, userKey, 0, userKey.length)) {
            return null;
        }
        int valueLength = p[o + VALUE_LENGTH];
        if (valueLength < 0) {
            return new Hit(EntryKind.DELETE, null);
        }
        return new Hit(EntryKind.PUT, Arrays.copyOfRange(d, off + keyLength, off + keyLength + valueLength));
    }

    /** @return the approximate memory the entries take: key and value bytes plus a per-entry overhead */
    long bytes() {
        return bytes.get();
    }

    boolean isEmpty() {
        return next(HEAD, 0) == 0;
    }

    /** @return the LSN of the first record applied, 0 if none */
    long firstSequence() {
        return firstSequence;
    }

    /** @return the LSN of the last record applied, 0 if none */
    long lastSequence() {
        return lastSequence;
    }

    /** @return an iterator over the entries (weakly consistent: filter by sequence for a snapshot) */
    InternalIterator iterator() {
        return new Cursor();
    }

    // ---- the skip list ----------------------------------------------------------------------------------------------

    private int[] nodePage(int node) {
        return nodePages[node >>> NODE_PAGE_BITS];
    }

    /** @return the successor of {@code node} on {@code level} (acquire: its contents are visible), 0 if none */
    private int next(int node, int level) {
        return (int) LINK.getAcquire(nodePage(node), (node & NODE_OFFSET_MASK) + NEXT + level);
    }

    private static long sequence(int[] p, int o) {
        return ((long) p[o + SEQ_HIGH] << 32) | (p[o + SEQ_LOW] & 0xFFFFFFFFL);
    }

    /**
     * @return the key's first 8 bytes as an unsigned big-endian number, zero-padded: two keys whose prefixes differ
     *         compare as their prefixes do (a padding zero differs only from a real non-zero byte of a longer key that
     *         the shorter one is a prefix of, and so sorts after it, as in byte order)
     */
    private static long prefix(byte[] key) {
        if (key.length >= 8) {
            return (long) BIG_ENDIAN_LONG.get(key, 0);
        }
        long p = 0;
        for (int i = 0; i < 8; i++) {
            p = (p << 8) | (i < key.length ? key[i] & 0xFF : 0);
        }
        return p;
    }

    /** @return the sign of (node's internal key) - (key, seq) in internal-key order; {@code prefix} is key's */
    private int compare(int node, byte[] key, long prefix, long seq) {
        int[] p = nodePage(node);
        int o = node & NODE_OFFSET_MASK;
        long nodePrefix = ((long) p[o + PREFIX_HIGH] << 32) | (p[o + PREFIX_LOW] & 0xFFFFFFFFL);
        if (nodePrefix != prefix) {
            return Long.compareUnsigned(nodePrefix, prefix);
        }
        int off = p[o + DATA_OFFSET];
        int c = Arrays.compareUnsigned(dataPages[p[o + DATA_PAGE]], off, off + p[o + KEY_LENGTH], key, 0, key.length);
        return c != 0 ? c : Long.compare(seq, sequence(p, o));
    }

    /** @return the first node at or after (key, seq) in internal-key order, 0 if none */
    private int seekNode(byte[] key, long seq) {
        long prefix = prefix(key);
        int x = HEAD;
        int n = 0;
        int knownNotLess = 0; // a node already found not less than the target: no need to compare it again
        for (int level = height - 1; level >= 0; level--) {
            while (true) {
                n = next(x, level);
                if (n == 0 || n == knownNotLess) {
                    break;
                }
                if (compare(n, key, prefix, seq) < 0) {
                    x = n;
                } else {
                    knownNotLess = n;
                    break;
                }
            }
        }
        // The node compared on level 0, not a second load of x's link: the writer may have linked a node after x
        // since (one the target's sequence cannot see).
        return n;
    }

    /**
     * Links a node for (key, seq, value) (writer only). Starts from the previous insert's path when the key comes
     * after the previous one (a sequential load then compares nothing but that one key per insert).
     *
     * @return false if the internal key is present already (an earlier-applied, later operation of the same batch)
     */
    private boolean insert(byte[] key, long seq, byte[] value) {
        int top = height;
        long prefix = prefix(key);
        boolean fromSplice = last != 0 && compare(last, key, prefix, seq) < 0;
        if (!fromSplice) {
            Arrays.fill(splice, 0, top, HEAD);
        }
        // splice[level] is now a node before (key, seq) on that level; walk right from the further of it and the
        // node found on the level above (the splice's one is further unless the walk above moved).
        int x = splice[top - 1];
        boolean moved = false;
        int found = 0;
        for (int level = top - 1; level >= 0; level--) {
            if (!moved) {
                x = splice[level];
            }
            while (true) {
                int n = next(x, level);
                if (n == 0) {
                    break;
                }
                int c = compare(n, key, prefix, seq);
                if (c >= 0) {
                    if (c == 0) {
                        found = n;
                    }
                    break;
                }
                x = n;
                moved = true;
            }
            splice[level] = x;
        }
        if (found != 0) {
            last = found; // the path just walked leads to it: every splice node is before it
            return false;
        }
        int h = randomHeight();
        if (h > top) {
            for (int level = top; level < h; level++) {
                splice[level] = HEAD;
            }
            height = h;
        }
        int node = newNode(h, key, prefix, seq, value);
        int[] p = nodePage(node);
        int o = node & NODE_OFFSET_MASK;
        for (int level = 0; level < h; level++) {
            p[o + NEXT + level] = next(splice[level], level);
        }
        for (int level = 0; level < h; level++) {
            int prev = splice[level];
            LINK.setRelease(nodePage(prev), (prev & NODE_OFFSET_MASK) + NEXT + level, node);
            splice[level] = node;
        }
        last = node;
        return true;
    }

    private int randomHeight() {
        int r = random;
        r ^= r << 13;
        r ^= r >>> 17;
        r ^= r << 5;
        random = r;
        int h = 1;
        while (h < MAX_HEIGHT && (r & BRANCHING_MASK) == 0) {
            h++;
            r >>>= 2;
        }
        return h;
    }

    /** Copies the entry into the data pages and fills a node for it (not linked yet). */
    private int newNode(int h, byte[] key, long prefix, long seq, byte[] value) {
        int valueLength = value == null ? -1 : value.length;
        int entry = key.length + Math.max(0, valueLength);
        int page;
        int offset;
        if (entry > OWN_PAGE_BYTES) {
            page = addDataPage(new byte[entry]);
            offset = 0;
        } else {
            if (dataTop + entry > dataPages[dataCurrent].length) {
                int size = Math.min(MAX_DATA_PAGE_BYTES, dataPages[dataCurrent].length * 2);
                dataCurrent = addDataPage(new byte[Math.max(size, entry)]);
                dataTop = 0;
            }
            page = dataCurrent;
            offset = dataTop;
            dataTop += entry;
        }
        byte[] d = dataPages[page];
        System.arraycopy(key, 0, d, offset, key.length);
        if (valueLength > 0) {
            System.arraycopy(value, 0, d, offset + key.length, valueLength);
        }
        int ints = NEXT + h;
        int[] current = nodePages[nodePageCount - 1];
        if (nodeTop + ints > current.length) {
            int[] fresh = new int[Math.min(MAX_NODE_PAGE_INTS, current.length * 2)];
            int[][] pages = nodePages;
            if (nodePageCount == pages.length) {
                pages = Arrays.copyOf(pages, pages.length * 2);
            }
            pages[nodePageCount++] = fresh;
            nodePages = pages; // published before any node of the page is linked
            current = fresh;
            nodeTop = 0;
        }
        int node = ((nodePageCount - 1) << NODE_PAGE_BITS) | nodeTop;
        int o = nodeTop;
        nodeTop += ints;
        current[o + DATA_PAGE] = page;
        current[o + DATA_OFFSET] = offset;
        current[o + KEY_LENGTH] = key.length;
        current[o + VALUE_LENGTH] = valueLength;
        current[o + SEQ_HIGH] = (int) (seq >>> 32);
        current[o + SEQ_LOW] = (int) seq;
        current[o + PREFIX_HIGH] = (int) (prefix >>> 32);
        current[o + PREFIX_LOW] = (int) prefix;
        return node;
    }

    private int addDataPage(byte[] page) {
        byte[][] pages = dataPages;
        if (dataPageCount == pages.length) {
            pages = Arrays.copyOf(pages, pages.length * 2);
        }
        pages[dataPageCount] = page;
        dataPages = pages; // published before any node that points into the page is linked
        return dataPageCount++;
    }

    /** An {@link InternalIterator} over the skip list; copies each entry's key once, its value on request. */
    private final class Cursor implements InternalIterator {

        private int node;
        private byte[] key;

        @Override
        public void seekToFirst() {
            position(Memtable.this.next(HEAD, 0));
        }

        @Override
        public void seek(byte[] userKey) {
            position(seekNode(userKey, Long.MAX_VALUE));
        }

        private void position(int n) {
            node = n;
            key = null;
        }

        @Override
        public boolean valid() {
            return node != 0;
        }

        @Override
        public void next() {
            requireValid();
            position(Memtable.this.next(node, 0));
        }

        @Override
        public byte[] key() {
            requireValid();
            if (key == null) {
                int[] p = nodePage(node);
                int o = node & NODE_OFFSET_MASK;
                int off = p[o + DATA_OFFSET];
                key = Arrays.copyOfRange(dataPages[p[o + DATA_PAGE]], off, off + p[o + KEY_LENGTH]);
            }
            return key;
        }

        @Override
        public long sequence() {
            requireValid();
            return Memtable.sequence(nodePage(node), node & NODE_OFFSET_MASK);
        }

        @Override
        public byte kind() {
            requireValid();
            int[] p = nodePage(node);
            return p[(node & NODE_OFFSET_MASK) + VALUE_LENGTH] < 0 ? EntryKind.DELETE : EntryKind.PUT;
        }

        /** @return a fresh copy of the value (each call), or null for a tombstone */
        @Override
        public byte[] value() {
            requireValid();
            int[] p = nodePage(node);
            int o = node & NODE_OFFSET_MASK;
            int valueLength = p[o + VALUE_LENGTH];
            if (valueLength < 0) {
                return null;
            }
            int from = p[o + DATA_OFFSET] + p[o + KEY_LENGTH];
            return Arrays.copyOfRange(dataPages[p[o + DATA_PAGE]], from, from + valueLength);
        }

        @Override
        public byte[] takeValue() {
            return value(); // already a fresh copy
        }

        /** The value straight out of its data page: a flush copies each value once, into the table's block. */
        @Override
        public void addTo(SstWriter table) throws java.io.IOException {
            requireValid();
            int[] p = nodePage(node);
            int o = node & NODE_OFFSET_MASK;
            int valueLength = p[o + VALUE_LENGTH];
            if (valueLength < 0) {
                table.add(key(), Memtable.sequence(p, o), EntryKind.DELETE, null);
            } else {
                table.add(key(), Memtable.sequence(p, o), EntryKind.PUT, dataPages[p[o + DATA_PAGE]],
                        p[o + DATA_OFFSET] + p[o + KEY_LENGTH], valueLength);
            }
        }

        private void requireValid() {
            if (node == 0) {
                throw new IllegalStateException("the memtable iterator is not at an entry");
            }
        }

        @Override
        public void close() {
            node = 0;
            key = null;
        }
    }
}
