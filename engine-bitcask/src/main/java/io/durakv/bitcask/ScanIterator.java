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
    record Sorted(long version, byte[][] keys, long[] lsns, long[] locations) {
    }

    private final BitcaskStore store;
    private final long epoch;
    private final byte[][] keys;
    private final long[] lsns;
    private final long[] locations;
    private final int end;
    private int next;
    private boolean closed;

    private ScanIterator(BitcaskStore store, long epoch, byte[][] keys, long[] lsns, long[] locations, int start,
                         int end) {
        this.store = store;
        this.epoch = epoch;
        this.keys = keys;
        this.lsns = lsns;
        this.locations = locations;
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
                    return new ScanIterator(store, epoch, all.keys(), all.lsns(), all.locations(), start,
                            Math.max(start, stop));
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
                        where[n] = new long[]{dir.lsn(e), dir.location(e)};
                        n++;
                    }
                }
            } finally {
                store.keysLock.readLock().unlock();
            }
            Sorted range = sort(keys, where, n, -1);
            return new ScanIterator(store, epoch, range.keys(), range.lsns(), range.locations(), 0, n);
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
                where[n] = new long[]{dir.lsn(e), dir.location(e)};
                n++;
            }
        }
        return sort(keys, where, n, version);
    }

    private static Sorted sort(byte[][] keys, long[][] where, int n, long version) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        byte[][] k = keys;
        Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(k[a], k[b]));
        byte[][] sortedKeys = new byte[n][];
        long[] lsns = new long[n];
        long[] locations = new long[n];
        for (int i = 0; i < n; i++) {
            sortedKeys[i] = keys[order[i]];
            lsns[i] = where[order[i]][0];
            locations[i] = where[order[i]][1];
        }
        return new Sorted(version, sortedKeys, lsns, locations);
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
        // The arrays may be shared with other scans (the cached sorted directory): hand out a copy of the key.
        return new KeyValue(key.clone(), store.readValue(key, lsns[i], locations[i]));
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
