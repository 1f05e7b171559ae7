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
 * range, O(n + m log m) for n keys and m in range, and memory for the m keys.
 *
 * <p>Not thread-safe (one iterator per thread, as usual for iterators).
 */
final class ScanIterator implements KeyValueIterator {

    private final BitcaskStore store;
    private final long epoch;
    private final byte[][] keys;
    private final long[] lsns;
    private final long[] locations;
    private int next;
    private boolean closed;

    private ScanIterator(BitcaskStore store, long epoch, byte[][] keys, long[] lsns, long[] locations) {
        this.store = store;
        this.epoch = epoch;
        this.keys = keys;
        this.lsns = lsns;
        this.locations = locations;
    }

    static ScanIterator open(BitcaskStore store, byte[] from, byte[] to) {
        long epoch = store.readers.enter();
        try {
            int n = 0;
            byte[][] keys;
            long[][] where;
            store.keysLock.readLock().lock();
            try {
                KeyDir dir = store.keys;
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
            return new ScanIterator(store, epoch, sortedKeys, lsns, locations);
        } catch (RuntimeException | Error e) {
            store.readers.exit(epoch);
            throw e;
        }
    }

    @Override
    public boolean hasNext() {
        check();
        return next < keys.length;
    }

    @Override
    public KeyValue next() {
        check();
        if (next >= keys.length) {
            throw new NoSuchElementException("the scan has no more entries");
        }
        int i = next++;
        byte[] key = keys[i];
        keys[i] = null;
        return new KeyValue(key, store.readValue(key, lsns[i], locations[i]));
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
