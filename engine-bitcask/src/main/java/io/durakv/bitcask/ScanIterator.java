package io.durakv.bitcask;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;

import java.util.Arrays;
import java.util.NoSuchElementException;

/**
 * A scan (docs/formats/bitcask.md, "Scans"): at open, under the key directory's read lock, it copies every key in the
 * range with the location of its value, then sorts them in unsigned byte order; values are read one by one as the
 * iterator advances. The copy is the point-in-time view: later writes are not seen, and the files it points into stay
 * until the iterator is closed ({@link Readers}). Cost: a walk of the whole key directory and a sort of the keys in
 * range, O(n + m log m) for n keys and m in range, and memory for the m keys. When a second scan finds the directory
 * unchanged since the first, it sorts the whole directory once and keeps it ({@link Sorted}); scans at that version
 * then cost a binary search, until the next write.
 *
 * <p>Not thread-safe (one iterator per thread, as usual for iterators).
 */
final class ScanIterator implements KeyValueIterator {

    /**
     * Every live key of the directory in order, with its value's record, as of one directory version: the second
     * scan at an unchanged version builds it, and later scans at that version reuse it (a read-only phase pays the
     * sort once instead of per scan). Immutable once published.
     */
    record Sorted(long version, byte[][] keys, long[] lsns, long[] locations, int[] sizes) {
    }

    /** Bits of an index packed below a key prefix in {@link #order}; more keys than that sort by comparison. */
    private static final int ORDER_INDEX_BITS = 24;
    /** Values each scan may add to the value cache. */
    static final int CACHE_FILL_PER_SCAN = 64;
    /** Keys left in a scan from which it may read values ahead in file order rather than one by one. */
    static final int PREFETCH_MIN_KEYS = 1024;
    /** Values read one by one before a scan first considers reading ahead; it reconsiders at every doubling. */
    static final int PREFETCH_AFTER = 64;

    private final BitcaskStore store;
    private final long epoch;
    private int read;
    private final byte[][] keys;
    private final long[] lsns;
    private final long[] locations;
    private final int[] sizes;
    private final int end;
    /** Values of keys {@code [prefetchFrom, prefetchFrom + prefetched.length)} read ahead; null where not. */
    private byte[][] prefetched = new byte[0][];
    private int prefetchFrom;
    /** Values this scan read one by one (cache or positional read), and when it next considers reading ahead. */
    private long oneByOne;
    private long nextPrefetchCheck = PREFETCH_AFTER;
    private int next;
    private boolean closed;

    private ScanIterator(BitcaskStore store, long epoch, Sorted sorted, int start, int end) {
        this.store = store;
        this.epoch = epoch;
        this.keys = sorted.keys();
        this.lsns = sorted.lsns();
        this.locations = sorted.locations();
        this.sizes = sorted.sizes();
        this.next = start;
        this.end = end;
    }

    static ScanIterator open(BitcaskStore store, byte[] from, byte[] to) {
        long epoch = store.readers.enter();
        try {
            Sorted all = null;
            int n = 0;
            byte[][] keys;
            long[][] where;
            store.keysLock.readLock().lock();
            try {
                KeyDir dir = store.keys;
                long version = dir.version();
                Sorted cached = store.scanCache;
                if (cached != null && cached.version() == version) {
                    all = cached;
                } else if (store.lastScanVersion == version) {
                    // A second scan with no write in between: sort everything once, for this and later scans.
                    all = sortAll(dir, version);
                    store.scanCache = all;
                }
                store.lastScanVersion = version;
                if (all != null) {
                    int start = from == null ? 0 : lowerBound(all.keys(), from);
                    int stop = to == null ? all.keys().length : lowerBound(all.keys(), to);
                    return new ScanIterator(store, epoch, all, start, Math.max(start, stop));
                }
                store.scanCache = null;
                keys = new byte[16][];
                where = new long[16][];
                for (int e = 0; e < dir.limit(); e++) {
                    if (dir.isLive(e) && (from == null || dir.compareKey(e, from) >= 0)
                            && (to == null || dir.compareKey(e, to) < 0)) {
                        if (n == keys.length) {
                            keys = Arrays.copyOf(keys, n * 2);
                            where = Arrays.copyOf(where, n * 2);
                        }
                        keys[n] = dir.key(e);
                        where[n] = new long[]{dir.lsn(e), dir.location(e), dir.opSize(e)};
                        n++;
                    }
                }
            } finally {
                store.keysLock.readLock().unlock();
            }
            return new ScanIterator(store, epoch, sort(keys, where, n, -1), 0, n);
        } catch (RuntimeException | Error e) {
            store.readers.exit(epoch);
            throw e;
        }
    }

    /** Every live entry of {@code dir}, sorted. Read lock held. */
    private static Sorted sortAll(KeyDir dir, long version) {
        int n = 0;
        byte[][] keys = new byte[Math.max(16, dir.size())][];
        long[][] where = new long[keys.length][];
        for (int e = 0; e < dir.limit(); e++) {
            if (dir.isLive(e)) {
                if (n == keys.length) {
                    keys = Arrays.copyOf(keys, n * 2);
                    where = Arrays.copyOf(where, n * 2);
                }
                keys[n] = dir.key(e);
                where[n] = new long[]{dir.lsn(e), dir.location(e), dir.opSize(e)};
                n++;
            }
        }
        return sort(keys, where, n, version);
    }

    private static Sorted sort(byte[][] keys, long[][] where, int n, long version) {
        int[] order = order(keys, n);
        byte[][] sortedKeys = new byte[n][];
        long[] lsns = new long[n];
        long[] locations = new long[n];
        int[] sizes = new int[n];
        for (int i = 0; i < n; i++) {
            sortedKeys[i] = keys[order[i]];
            lsns[i] = where[order[i]][0];
            locations[i] = where[order[i]][1];
            sizes[i] = (int) where[order[i]][2];
        }
        return new Sorted(version, sortedKeys, lsns, locations, sizes);
    }

    /**
     * @return the indexes of {@code keys[0..n)} in unsigned byte order of the keys. Past the prefix all keys share,
     *         each key's next five bytes and its index are packed in one long and sorted as primitives; only keys
     *         whose five bytes tie are then compared whole.
     */
    static int[] order(byte[][] keys, int n) {
        int[] order = new int[n];
        if (n == 0) {
            return order;
        }
        if (n >= 1 << ORDER_INDEX_BITS) {
            Integer[] boxed = new Integer[n];
            Arrays.setAll(boxed, i -> i);
            Arrays.sort(boxed, (a, b) -> Arrays.compareUnsigned(keys[a], keys[b]));
            Arrays.setAll(order, i -> boxed[i]);
            return order;
        }
        int common = keys[0].length;
        for (int i = 1; i < n && common > 0; i++) {
            int m = Arrays.mismatch(keys[0], 0, common, keys[i], 0, Math.min(common, keys[i].length));
            if (m >= 0) {
                common = m;
            } else {
                common = Math.min(common, keys[i].length);
            }
        }
        long[] packed = new long[n];
        for (int i = 0; i < n; i++) {
            long prefix = 0;
            for (int b = 0; b < 5; b++) {
                int at = common + b;
                prefix = (prefix << 8) | (at < keys[i].length ? keys[i][at] & 0xFF : 0);
            }
            // Flipping the sign bit makes the signed sort an unsigned one.
            packed[i] = ((prefix << ORDER_INDEX_BITS) | i) ^ Long.MIN_VALUE;
        }
        Arrays.sort(packed);
        for (int i = 0; i < n; i++) {
            order[i] = (int) (packed[i] & ((1 << ORDER_INDEX_BITS) - 1));
        }
        // Runs of equal five-byte prefixes (a shorter key pads with zeros): sort each by the whole key.
        for (int from = 0; from < n; ) {
            int to = from + 1;
            while (to < n && (packed[to] >>> ORDER_INDEX_BITS) == (packed[from] >>> ORDER_INDEX_BITS)) {
                to++;
            }
            if (to - from > 1) {
                Integer[] run = new Integer[to - from];
                for (int i = from; i < to; i++) {
                    run[i - from] = order[i];
                }
                Arrays.sort(run, (a, b) -> Arrays.compareUnsigned(keys[a], keys[b]));
                for (int i = from; i < to; i++) {
                    order[i] = run[i - from];
                }
            }
            from = to;
        }
        return order;
    }

    /** @return the first index whose key is {@code >= key} */
    private static int lowerBound(byte[][] sorted, byte[] key) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(sorted[mid], key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Override
    public boolean hasNext() {
        check();
        return next < end;
    }

    @Override
    public KeyValue next() {
        check();
        if (next >= end) {
            throw new NoSuchElementException("the scan has no more entries");
        }
        int i = next++;
        byte[] key = keys[i];
        store.noteRead(); // a background merge gives way to scans too
        // The arrays may be shared with other scans (the cached sorted directory): hand out a copy of the key. The
        // first values of a scan fill the value cache (short scans warm it); a long scan's later ones do not, so
        // that one pass over the store cannot evict what point reads use.
        boolean fill = ++read <= CACHE_FILL_PER_SCAN;
        int p = i - prefetchFrom;
        if (p >= prefetched.length && end - i >= PREFETCH_MIN_KEYS && oneByOne >= nextPrefetchCheck) {
            nextPrefetchCheck = oneByOne * 2;
            prefetch(i);
            p = i - prefetchFrom;
        }
        if (p >= 0 && p < prefetched.length && prefetched[p] != null) {
            byte[] value = prefetched[p];
            prefetched[p] = null; // this scan's own copy, handed out once
            return new KeyValue(key.clone(), value);
        }
        oneByOne++;
        return new KeyValue(key.clone(), store.cachedValue(key, lsns[i], locations[i], fill));
    }

    /** Reads ahead the values of the next run of keys from {@code i} in file order ({@link ScanPrefetch}). */
    private void prefetch(int i) {
        int to = i;
        long bytes = 0;
        while (to < end && to - i < ScanPrefetch.MAX_KEYS && bytes < ScanPrefetch.MAX_BYTES) {
            bytes += sizes[to++];
        }
        byte[][] values = new byte[to - i][];
        if (ScanPrefetch.fetch(store, keys, lsns, locations, sizes, i, to,
                oneByOne * ScanPrefetch.RECORDS_PER_POINT_READ, values)) {
            prefetched = values;
            prefetchFrom = i;
        }
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("the iterator is closed");
        }
        if (store.isClosed()) {
            throw new IllegalStateException("the store of this iterator is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            store.readers.exit(epoch);
        }
    }
}
