package io.durakv.bitcask;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded cache of values by key and the sequence number (LSN) of the record holding them
 * (docs/formats/bitcask.md, "Value cache"). The value of one key in one record never changes (a merge copies it
 * with its LSN), so an entry is right for as long as the key directory points the key at that LSN, and merely unused
 * (until evicted) once it points elsewhere: no invalidation is needed, and a lookup can never return a value the key
 * directory does not name. Values enter it when a get (or the start of a scan) reads them from disk, after the
 * frame's CRC32C check; writes do not fill it (a bulk load would only churn it and the heap).
 *
 * <p>Layout: {@value #SHARDS} shards by key hash; each is a table of slots, two per hash (a 2-way set: a key lives in
 * one of the two slots of its pair), each slot an immutable {@link Entry} or null. A lookup reads at most the two
 * slots of its pair and compares LSN, hash and key: no lock, no write but the entry's "used" bit, and no allocation,
 * so a miss costs about two memory accesses and readers on many threads never contend. An insert (under the shard's
 * lock) takes the slot of its key or an empty or unused slot of its pair, and evicts by a CLOCK hand over the shard's
 * slots (an entry used since the hand last passed is spared once) until the shard is within its budget.
 *
 * <p>Memory: the shards' slot tables (4 bytes a slot) plus, per entry, key bytes + value bytes +
 * {@link #ENTRY_OVERHEAD}, stay at or below the budget ({@code bitcask.cacheBytes}). A value larger than an eighth of
 * a shard's budget is never cached. A budget of 0 disables the cache.
 *
 * <p>Thread-safe: lookups without locks (entries are immutable but for the used bit, published through final
 * fields), inserts under the shard's lock.
 */
final class ValueCache {

    /**
     * Bytes an entry costs beyond its key and value bytes (64-bit JVM, compressed references): the entry object (40:
     * header 12, two references, LSN, hash, cost, used bit, padding) and the two arrays' headers (2 x 16).
     */
    static final int ENTRY_OVERHEAD = 72;
    private static final int SHARDS = 16;
    /** Entry bytes assumed per slot when sizing a shard's table (overhead plus a small key and value). */
    private static final int SLOT_SIZING = ENTRY_OVERHEAD + 48;
    private static final int MAX_SLOTS = 1 << 24;

    private final Shard[] shards;
    /** Bytes per shard for entries and the slot table together. */
    private final long shardBudget;

    ValueCache(long budgetBytes) {
        this.shardBudget = budgetBytes / SHARDS;
        this.shards = new Shard[budgetBytes == 0 ? 0 : SHARDS];
        int slots = slotsFor(shardBudget);
        for (int i = 0; i < shards.length; i++) {
            shards[i] = new Shard(slots, shardBudget - 4L * slots);
        }
    }

    /** @return a power of two, at least 2, of slots for a shard of {@code budget} bytes, taking at most a quarter */
    private static int slotsFor(long budget) {
        long wanted = Math.max(2, budget / SLOT_SIZING);
        int slots = Integer.highestOneBit((int) Math.min(MAX_SLOTS, wanted));
        if (slots < wanted && slots < MAX_SLOTS) {
            slots <<= 1; // round up: fewer pairs in conflict
        }
        while (slots > 2 && 4L * slots > budget / 4) {
            slots >>>= 1;
        }
        return slots;
    }

    /** @return the cached value of {@code key} (whose {@link KeyDir#hash} is {@code hash}) at {@code lsn}, or null */
    byte[] get(byte[] key, int hash, long lsn) {
        if (shards.length == 0) {
            return null;
        }
        Shard s = shards[hash & (SHARDS - 1)];
        Entry[] slots = s.slots;
        int pair = s.pair(hash);
        Entry e = slots[pair];
        if (e == null || !e.is(key, hash, lsn)) {
            e = slots[pair + 1];
            if (e == null || !e.is(key, hash, lsn)) {
                return null;
            }
        }
        if (!e.used) {
            e.used = true; // racy on purpose: a lost mark only makes the entry a little likelier to go
        }
        return e.value;
    }

    /**
     * Caches {@code value} as the value of {@code key} at {@code lsn}, replacing any entry of that key. Both arrays
     * are kept: the caller must not change them afterwards, and hands out copies.
     */
    void put(byte[] key, int hash, long lsn, byte[] value) {
        if (shards.length == 0) {
            return;
        }
        int cost = cost(key, value);
        Shard s = shards[hash & (SHARDS - 1)];
        if (cost > shardBudget / 8 || cost > s.entryBudget) {
            return;
        }
        s.lock.lock();
        try {
            Entry[] slots = s.slots;
            int pair = s.pair(hash);
            int at = -1;
            for (int i = pair; i < pair + 2 && at < 0; i++) {
                Entry e = slots[i];
                if (e != null && e.hash == hash && Arrays.equals(e.key, key)) {
                    at = i; // the key's own slot: an older (or the same) LSN goes
                }
            }
            if (at < 0) {
                at = slots[pair] == null ? pair : slots[pair + 1] == null ? pair + 1
                        : !slots[pair].used ? pair : !slots[pair + 1].used ? pair + 1 : pair + (int) (lsn & 1);
            }
            s.evict(at);
            while (s.bytes + cost > s.entryBudget) {
                s.sweep();
            }
            slots[at] = new Entry(key, hash, lsn, value, cost);
            s.bytes += cost;
        } finally {
            s.lock.unlock();
        }
    }

    /** @return the bytes the entries account for (at most the budget less the slot tables) */
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

    /** @return the bytes of the slot tables */
    long tableBytes() {
        long n = 0;
        for (Shard s : shards) {
            n += 4L * s.slots.length;
        }
        return n;
    }

    /** @return the number of entries */
    int size() {
        int n = 0;
        for (Shard s : shards) {
            s.lock.lock();
            try {
                for (Entry e : s.slots) {
                    n += e == null ? 0 : 1;
                }
            } finally {
                s.lock.unlock();
            }
        }
        return n;
    }

    private static int cost(byte[] key, byte[] value) {
        return key.length + value.length + ENTRY_OVERHEAD;
    }

    private static final class Shard {
        final ReentrantLock lock = new ReentrantLock();
        /** Written only under the lock; read without it. */
        final Entry[] slots;
        final int pairMask;
        final long entryBudget;
        // Guarded by lock.
        long bytes;
        int hand;

        Shard(int slots, long entryBudget) {
            this.slots = new Entry[slots];
            this.pairMask = slots - 2;
            this.entryBudget = entryBudget;
        }

        /** @return the first slot of {@code hash}'s pair (bits above the shard's) */
        int pair(int hash) {
            return (hash >>> 4) * 2 & pairMask;
        }

        /** Empties slot {@code i}. Lock held. */
        void evict(int i) {
            Entry e = slots[i];
            if (e != null) {
                slots[i] = null;
                bytes -= e.cost;
            }
        }

        /** Moves the CLOCK hand one slot: an unused entry there goes, a used one loses its mark. Lock held. */
        void sweep() {
            hand = (hand + 1) & (slots.length - 1);
            Entry e = slots[hand];
            if (e != null) {
                if (e.used) {
                    e.used = false;
                } else {
                    evict(hand);
                }
            }
        }
    }

    /** One cached value: immutable but for {@link #used}; the hash is the key directory's. */
    private static final class Entry {
        final byte[] key;
        final int hash;
        final long lsn;
        final byte[] value;
        final int cost;
        /** Set by a lookup that returned it; cleared by the CLOCK hand. */
        boolean used;

        Entry(byte[] key, int hash, long lsn, byte[] value, int cost) {
            this.key = key;
            this.hash = hash;
            this.lsn = lsn;
            this.value = value;
            this.cost = cost;
        }

        boolean is(byte[] k, int h, long l) {
            return lsn == l && hash == h && Arrays.equals(key, k);
        }
    }
}
