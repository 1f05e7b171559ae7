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
 * {@code int[]} pages: where its key and value are, their lengths, its sequence number, the key's first 16 bytes, then one
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
    /**
     * The key's first 16 bytes (zero-padded) as two big-endian longs, four ints: most comparisons end here, without the
     * data page, and every comparison with a key of at most 16 bytes does (keys that share a long first part, such as
     * zero-padded numbers, differ within the second 8 bytes).
     */
    private static final int PREFIX_0 = 6;
    private static final int PREFIX_1 = 7;
    private static final int PREFIX_2 = 8;
    private static final int PREFIX_3 = 9;
    private static final int NEXT = 10;
    /** Key bytes the node holds (as its prefix). */
    private static final int PREFIX_BYTES = 16;

    private static final int NODE_PAGE_BITS = 18;
    private static final int NODE_OFFSET_MASK = (1 << NODE_PAGE_BITS) - 1;
    private static final int FIRST_NODE_PAGE_INTS = 1024;
    private static final int MAX_NODE_PAGE_INTS = 1 << NODE_PAGE_BITS;
    private static final int FIRST_DATA_PAGE_BYTES = 4096;
    private static final int MAX_DATA_PAGE_BYTES = 1 << 20;
    /** An entry larger than this gets a data page of its own instead of a share of the current one. */
    private static final int OWN_PAGE_BYTES = MAX_DATA_PAGE_BYTES / 4;

    private static final int HEAD = 0;

    static final long DEFAULT_BUDGET_BYTES = 4L << 20;
    private static final int FILTER_BLOCK_LONGS = 8;
    private static final int FILTER_PROBES = 6;
    /** Bits per key of a memtable filled to its budget with keys and empty values (more with larger values). */
    private static final int FILTER_BITS_PER_KEY = 8;
    private static final long MIN_FILTER_BLOCKS = 16;
    private static final long MAX_FILTER_BLOCKS = 1 << 16; // 4 MiB of filter
    private static final VarHandle FILTER = MethodHandles.arrayElementVarHandle(long[].class);

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

    /**
     * A blocked bloom filter of the user keys (hash {@link BloomHash#xxh64}): a get skips a memtable that certainly
     * lacks the key, which is most memtables for most keys, at one cache line instead of a walk down the skip list.
     * Blocks of {@value #FILTER_BLOCK_LONGS} longs (one 64-byte line); {@value #FILTER_PROBES} bits per key in its
     * block. Only the writer sets bits, before the record's sequence is published, so a reader that reads at a
     * published sequence finds every bit of every key it may see.
     */
    private final long[] filter;
    private final int filterBlockMask;

    private final AtomicLong bytes = new AtomicLong();
    private volatile long firstSequence;
    private volatile long lastSequence;

    /** A memtable for about {@link #DEFAULT_BUDGET_BYTES} of entries (tests). */
    Memtable() {
        this(DEFAULT_BUDGET_BYTES);
    }

    /**
     * @param budgetBytes the {@link #bytes()} at which the store makes it immutable ({@code lsm.memtableBytes}): sizes
     *                    the key filter (more entries than that budget holds make it less selective, never wrong)
     */
    Memtable(long budgetBytes) {
        long keys = Math.max(1, budgetBytes / ENTRY_OVERHEAD);
        long blocks = Long.highestOneBit(Math.max(MIN_FILTER_BLOCKS,
                Math.min(MAX_FILTER_BLOCKS, keys * FILTER_BITS_PER_KEY / 512)) * 2 - 1);
        filter = new long[(int) blocks * FILTER_BLOCK_LONGS];
        filterBlockMask = (int) blocks - 1;
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
        addToFilter(BloomHash.xxh64(op.key()));
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
        return get(userKey, BloomHash.xxh64(userKey), maxSequence);
    }

    /**
     * As {@link #get(byte[], long)}; {@code hash} is {@link BloomHash#xxh64} of {@code userKey} (a point read hashes
     * once for every memtable and table it probes).
     */
    Hit get(byte[] userKey, long hash, long maxSequence) {
        if (!mayContain(hash)) {
            return null;
        }
        int n = seekNode(userKey, maxSequence);
        if (n == 0) {
            return null;
        }
        int[] p = nodePage(n);
        int o = n & NODE_OFFSET_MASK;
        int keyLength = p[o + KEY_LENGTH];
        if (keyLength != userKey.length || !samePrefix(p, o, userKey)) {
            return null;
        }
        byte[] d = dataPages[p[o + DATA_PAGE]];
        int off = p[o + DATA_OFFSET];
        if (keyLength > PREFIX_BYTES
                && !Arrays.equals(d, off + PREFIX_BYTES, off + keyLength, userKey, PREFIX_BYTES, keyLength)) {
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

    /**
     * Adds the newest version of every key, in key order, to {@code table} (a flush: the memtable is immutable), each
     * key and value straight out of its data page: no array per entry. Versions of one key are neighbours on level 0;
     * telling them apart compares the nodes' prefixes and lengths, and the data only for keys over 16 bytes.
     *
     * @return the number of entries added
     */
    long writeNewestTo(SstWriter table) throws java.io.IOException {
        long added = 0;
        int previous = 0;
        for (int n = next(HEAD, 0); n != 0; n = next(n, 0)) {
            int[] p = nodePage(n);
            int o = n & NODE_OFFSET_MASK;
            if (previous != 0 && sameKey(previous, p, o)) {
                continue; // an older version, shadowed
            }
            previous = n;
            byte[] d = dataPages[p[o + DATA_PAGE]];
            int off = p[o + DATA_OFFSET];
            int keyLength = p[o + KEY_LENGTH];
            int valueLength = p[o + VALUE_LENGTH];
            if (valueLength < 0) {
                table.add(d, off, keyLength, sequence(p, o), EntryKind.DELETE, null, 0, 0);
            } else {
                table.add(d, off, keyLength, sequence(p, o), EntryKind.PUT, d, off + keyLength, valueLength);
            }
            added++;
        }
        return added;
    }

    /** @return whether node {@code a} has the same user key as the node at {@code p[o]} */
    private boolean sameKey(int a, int[] p, int o) {
        int[] q = nodePage(a);
        int qo = a & NODE_OFFSET_MASK;
        int keyLength = p[o + KEY_LENGTH];
        if (q[qo + KEY_LENGTH] != keyLength || prefixAt(q, qo + PREFIX_0) != prefixAt(p, o + PREFIX_0)
                || prefixAt(q, qo + PREFIX_2) != prefixAt(p, o + PREFIX_2)) {
            return false;
        }
        if (keyLength <= PREFIX_BYTES) {
            return true;
        }
        int qOff = q[qo + DATA_OFFSET];
        int off = p[o + DATA_OFFSET];
        return Arrays.equals(dataPages[q[qo + DATA_PAGE]], qOff + PREFIX_BYTES, qOff + keyLength,
                dataPages[p[o + DATA_PAGE]], off + PREFIX_BYTES, off + keyLength);
    }

    // ---- the key filter ----------------------------------------------------------------------------------------------

    private int filterBlock(long hash) {
        return ((int) (hash >>> 40) & filterBlockMask) * FILTER_BLOCK_LONGS;
    }

    /** Writer only (plain read-modify-write of its own words; readers load them opaquely). */
    private void addToFilter(long hash) {
        int block = filterBlock(hash);
        int h = (int) hash;
        int delta = (int) (hash >>> 17) | 1;
        for (int i = 0; i < FILTER_PROBES; i++) {
            int bit = h & 511;
            int word = block + (bit >>> 6);
            FILTER.setOpaque(filter, word, (long) FILTER.getOpaque(filter, word) | (1L << bit));
            h += delta;
        }
    }

    /** @return false if no key with this hash was added before the reader's sequence was published */
    boolean mayContain(long hash) {
        int block = filterBlock(hash);
        int h = (int) hash;
        int delta = (int) (hash >>> 17) | 1;
        for (int i = 0; i < FILTER_PROBES; i++) {
            int bit = h & 511;
            if (((long) FILTER.getOpaque(filter, block + (bit >>> 6)) & (1L << bit)) == 0) {
                return false;
            }
            h += delta;
        }
        return true;
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
     * @return the key's bytes {@code [from, from + 8)} as an unsigned big-endian number, zero-padded: two keys whose
     *         prefixes differ compare as their prefixes do (a padding zero differs only from a real non-zero byte of a
     *         longer key that the shorter one is a prefix of, and so sorts after it, as in byte order)
     */
    static long prefix(byte[] key, int from) {
        if (key.length >= from + 8) {
            return (long) BIG_ENDIAN_LONG.get(key, from);
        }
        long p = 0;
        for (int i = from; i < from + 8; i++) {
            p = (p << 8) | (i < key.length ? key[i] & 0xFF : 0);
        }
        return p;
    }

    private static long prefixAt(int[] p, int at) {
        return ((long) p[at] << 32) | (p[at + 1] & 0xFFFFFFFFL);
    }

    /** @return whether the node's 16-byte prefix is {@code key}'s (zero-padded) */
    private static boolean samePrefix(int[] p, int o, byte[] key) {
        return prefixAt(p, o + PREFIX_0) == prefix(key, 0) && prefixAt(p, o + PREFIX_2) == prefix(key, 8);
    }

    /**
     * @return the sign of (node's internal key) - (key, seq) in internal-key order; {@code prefix0} and
     *         {@code prefix1} are key's first and second 8 bytes ({@link #prefix})
     */
    private int compare(int node, byte[] key, long prefix0, long prefix1, long seq) {
        int[] p = nodePage(node);
        int o = node & NODE_OFFSET_MASK;
        long nodePrefix = prefixAt(p, o + PREFIX_0);
        if (nodePrefix != prefix0) {
            return Long.compareUnsigned(nodePrefix, prefix0);
        }
        nodePrefix = prefixAt(p, o + PREFIX_2);
        if (nodePrefix != prefix1) {
            return Long.compareUnsigned(nodePrefix, prefix1);
        }
        int keyLength = p[o + KEY_LENGTH];
        int c;
        if (keyLength <= PREFIX_BYTES && key.length <= PREFIX_BYTES) {
            // Equal padded prefixes of two short keys: the shorter is a prefix of the longer, and sorts first.
            c = Integer.compare(keyLength, key.length);
        } else {
            int off = p[o + DATA_OFFSET];
            c = Arrays.compareUnsigned(dataPages[p[o + DATA_PAGE]], off, off + keyLength, key, 0, key.length);
        }
        return c != 0 ? c : Long.compare(seq, sequence(p, o));
    }

    /** @return the first node at or after (key, seq) in internal-key order, 0 if none */
    private int seekNode(byte[] key, long seq) {
        long prefix0 = prefix(key, 0);
        long prefix1 = prefix(key, 8);
        int x = HEAD;
        int n = 0;
        int knownNotLess = 0; // a node already found not less than the target: no need to compare it again
        for (int level = height - 1; level >= 0; level--) {
            while (true) {
                n = next(x, level);
                if (n == 0 || n == knownNotLess) {
                    break;
                }
                if (compare(n, key, prefix0, prefix1, seq) < 0) {
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
        long prefix0 = prefix(key, 0);
        long prefix1 = prefix(key, 8);
        boolean fromSplice = last != 0 && compare(last, key, prefix0, prefix1, seq) < 0;
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
                int c = compare(n, key, prefix0, prefix1, seq);
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
        int node = newNode(h, key, prefix0, prefix1, seq, value);
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
    private int newNode(int h, byte[] key, long prefix0, long prefix1, long seq, byte[] value) {
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
        current[o + PREFIX_0] = (int) (prefix0 >>> 32);
        current[o + PREFIX_1] = (int) prefix0;
        current[o + PREFIX_2] = (int) (prefix1 >>> 32);
        current[o + PREFIX_3] = (int) prefix1;
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

        /** The key in its data page: no copy. */
        @Override
        public byte[] keyArray() {
            requireValid();
            return dataPages[nodePage(node)[(node & NODE_OFFSET_MASK) + DATA_PAGE]];
        }

        @Override
        public int keyOffset() {
            requireValid();
            return nodePage(node)[(node & NODE_OFFSET_MASK) + DATA_OFFSET];
        }

        @Override
        public int keyLength() {
            requireValid();
            return nodePage(node)[(node & NODE_OFFSET_MASK) + KEY_LENGTH];
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
            byte[] page = dataPages[p[o + DATA_PAGE]];
            int keyAt = p[o + DATA_OFFSET];
            int keyLength = p[o + KEY_LENGTH];
            if (valueLength < 0) {
                table.add(page, keyAt, keyLength, Memtable.sequence(p, o), EntryKind.DELETE, null, 0, 0);
            } else {
                table.add(page, keyAt, keyLength, Memtable.sequence(p, o), EntryKind.PUT, page, keyAt + keyLength,
                        valueLength);
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
