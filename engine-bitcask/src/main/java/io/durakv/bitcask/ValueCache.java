package io.durakv.bitcask;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded cache of values by key and the sequence number (LSN) of the record holding them
 * (docs/formats/bitcask.md, "Value cache"). The value of one key in one record never changes (a merge copies it
 * with its LSN), so an entry is right for as long as the key directory points the key at that LSN, and merely unused
 * (until evicted) once it points elsewhere: no invalidation is needed, and a lookup can never return a value the key
 * directory does not name. Values enter it when a get (or the start of a scan) reads them from disk, after the
 * frame's CRC32C check; writes do not fill it (a bulk load would only churn it and the heap).
 *
 * <p>Memory: the sum over entries of key bytes + value bytes + {@link #ENTRY_OVERHEAD} stays at or below the budget
 * ({@code bitcask.cacheBytes}); least recently used entries go first, per shard. A value larger than an eighth of a
 * shard's budget is never cached. A budget of 0 disables the cache.
 *
 * <p>Thread-safe: {@value #SHARDS} shards by key hash, each a {@link LinkedHashMap} in access order under its own
 * lock.
 */
final class ValueCache {

    /**
     * Bytes an entry costs beyond its key and value bytes (64-bit JVM, compressed references): the map node (40), its
     * share of the hash table (8), the cache key object (32) and the two arrays' headers (2 x 16).
     */
    static final int ENTRY_OVERHEAD = 112;
    private static final int SHARDS = 16;

    private final Shard[] shards;
    private final long shardBudget;

    ValueCache(long budgetBytes) {
        this.shardBudget = budgetBytes / SHARDS;
        this.shards = new Shard[budgetBytes == 0 ? 0 : SHARDS];
        for (int i = 0; i < shards.length; i++) {
            shards[i] = new Shard();
        }
    }

    /** @return the cached value of {@code key} (whose {@link KeyDir#hash} is {@code hash}) at {@code lsn}, or null */
    byte[] get(byte[] key, int hash, long lsn) {
        if (shards.length == 0) {
            return null;
        }
        Shard s = shards[hash & (SHARDS - 1)];
        Key k = new Key(key, hash, lsn);
        s.lock.lock();
        try {
            return s.map.get(k);
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Caches {@code value} as the value of {@code key} at {@code lsn}. Both arrays are kept: the caller must not
     * change them afterwards, and hands out copies.
     */
    void put(byte[] key, int hash, long lsn, byte[] value) {
        long cost = cost(key, value);
        if (shards.length == 0 || cost > shardBudget / 8) {
            return;
        }
        Shard s = shards[hash & (SHARDS - 1)];
        s.lock.lock();
        try {
            byte[] old = s.map.put(new Key(key, hash, lsn), value);
            s.bytes += cost - (old == null ? 0 : cost(key, old));
            Iterator<Map.Entry<Key, byte[]>> eldest = s.map.entrySet().iterator();
            while (s.bytes > shardBudget && eldest.hasNext()) {
                Map.Entry<Key, byte[]> e = eldest.next();
                s.bytes -= cost(e.getKey().key, e.getValue());
                eldest.remove();
            }
        } finally {
            s.lock.unlock();
        }
    }

    /** @return the bytes the entries account for (at most the budget) */
    long bytes() {
        long n = 0;
        for (Shard s : shards) {
            s.lock.lock();
            try {
                n += s.bytes;
            } finally {
                s.lock.unlock();
            }
        }
        return n;
    }

    /** @return the number of entries */
    int size() {
        int n = 0;
        for (Shard s : shards) {
            s.lock.lock();
            try {
                n += s.map.size();
            } finally {
                s.lock.unlock();
            }
        }
        return n;
    }

    private static long cost(byte[] key, byte[] value) {
        return (long) key.length + value.length + ENTRY_OVERHEAD;
    }

    private static final class Shard {
        final ReentrantLock lock = new ReentrantLock();
        final LinkedHashMap<Key, byte[]> map = new LinkedHashMap<>(64, 0.75f, true);
        long bytes;
    }

    /** A key at one LSN; the hash is the key directory's. */
    private static final class Key {
        final byte[] key;
        final int hash;
        final long lsn;

        Key(byte[] key, int hash, long lsn) {
            this.key = key;
            this.hash = hash;
            this.lsn = lsn;
        }

        @Override
        public int hashCode() {
            return hash * 31 + Long.hashCode(lsn);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.lsn == lsn && k.hash == hash && Arrays.equals(k.key, key);
        }
    }
}
