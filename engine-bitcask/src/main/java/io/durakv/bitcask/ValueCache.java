package io.durakv.bitcask;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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
 * one of the two slots of its pair). An entry is one {@code byte[]} (its version, the key's length, its LSN, the key, the value:
 * one object per cached value, no entry object and no separate key and value arrays); beside the slot table, a
 * {@code int[]} holds each slot's key hash and a {@code byte[]} its "used" mark. A lookup (or an insert looking for its
 * key's slot) reads the two hashes of its pair (one cache line) and touches an entry only if one matches, then checks the entry's own LSN and key (so a slot
 * being replaced under it can only make it miss) and returns a copy of the value: no lock, no write but the used
 * mark, and readers on many threads never contend. An insert (under the shard's lock) takes the slot of its key or an
 * empty or unused slot of its pair, and evicts by a CLOCK hand over the shard's slots (an entry used since the hand
 * last passed is spared once) until the shard is within its budget.
 *
 * <p>Memory: the shards' tables ({@value #SLOT_BYTES} bytes a slot: reference, key hash, mark) plus, per entry, key bytes
 * + value bytes + {@link #ENTRY_OVERHEAD}, stay at or below the budget ({@code bitcask.cacheBytes}). A value larger
 * than an eighth of a shard's budget is never cached. A budget of 0 disables the cache.
 *
 * <p>Reuse (round 5): an evicted entry is kept as a spare (up to {@value #SPARES} per shard, their bytes still counted
 * in the budget), and an insert of the same length rewrites a spare instead of allocating, so that a cache full of
 * values of one size fills without allocating and the young collections have no new entries to copy. An entry starts
 * with a version, odd while an insert rewrites it; a lookup copies the value only if the version was even before its
 * reads and is the same after (a sequence lock), so a lookup still holding an entry that is rewritten for another key
 * misses instead of returning torn bytes.
 *
 * <p>Thread-safe: lookups without locks (entries are published with release order and read with acquire order, and
 * validated by their version), inserts under the shard's lock. Values go in and come out as copies: callers keep what
 * they pass and own what they get.
 */
final class ValueCache {

    /**
     * Bytes an entry costs beyond its key and value bytes (64-bit JVM, compressed references): the array's header
     * (16), the entry's version (4), the key's length (2) and the LSN (8) in it.
     */
    static final int ENTRY_OVERHEAD = 30;
    /** Bytes of a slot's table space: the reference (4), the key's hash (4) and the used mark (1). */
    static final int SLOT_BYTES = 9;
    private static final int SHARDS = 16;
    /** Entry bytes assumed per slot when sizing a shard's table (overhead plus a small key and value). */
    private static final int SLOT_SIZING = ENTRY_OVERHEAD + 80;
    private static final int MAX_SLOTS = 1 << 24;
    /** Where an entry's version is: first, where volatile access to it is aligned. */
    private static final int VERSION_AT = 0;
    /** Where an entry's key length is (2 bytes). */
    private static final int KEY_LENGTH_AT = 4;
    /** Where an entry's LSN is (8 bytes). */
    private static final int LSN_AT = 6;
    /** Where the key starts in an entry: after the version, the key's length and the LSN. */
    private static final int KEY_AT = 14;
    /** Evicted entries a shard keeps for reuse (counted in its bytes until reused or dropped). */
    private static final int SPARES = 8;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(byte[][].class);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private final Shard[] shards;
    /** Bytes per shard for entries and the slot table together. */
    private final long shardBudget;

    ValueCache(long budgetBytes) {
        this.shardBudget = budgetBytes / SHARDS;
        this.shards = new Shard[budgetBytes == 0 ? 0 : SHARDS];
        int slots = slotsFor(shardBudget);
        for (int i = 0; i < shards.length; i++) {
            shards[i] = new Shard(slots, shardBudget - (long) SLOT_BYTES * slots);
        }
    }

    /** @return a power of two, at least 2, of slots for a shard of {@code budget} bytes, taking at most a quarter */
    private static int slotsFor(long budget) {
        long wanted = Math.max(2, budget / SLOT_SIZING);
        int slots = Integer.highestOneBit((int) Math.min(MAX_SLOTS, wanted));
        if (slots < wanted && slots < MAX_SLOTS) {
            slots <<= 1; // round up: fewer pairs in conflict
        }
        while (slots > 2 && (long) SLOT_BYTES * slots > budget / 4) {
            slots >>>= 1;
        }
        return slots;
    }

    /**
     * @return a copy of the cached value of {@code key} (whose {@link KeyDir#hash} is {@code hash}) at {@code lsn},
     *         or null
     */
    byte[] get(byte[] key, int hash, long lsn) {
        if (shards.length == 0) {
            return null;
        }
        Shard s = shards[hash & (SHARDS - 1)];
        int pair = s.pair(hash);
        for (int i = pair; i < pair + 2; i++) {
            if (s.hashes[i] != hash) {
                continue; // the common miss: one cache line of hashes read, no entry touched
            }
            byte[] e = (byte[]) SLOT.getAcquire(s.slots, i);
            byte[] value = e == null ? null : valueIfIs(e, key, lsn);
            if (value != null) {
                if (s.used[i] == 0) {
                    s.used[i] = 1; // racy on purpose: a lost mark only makes the entry a little likelier to go
                }
                return value;
            }
        }
        return null;
    }

    /**
     * The first half of a lookup whose LSN is not known yet: finds the slot holding {@code key} at any LSN, so that
     * its memory accesses (one line of hashes, the entry) can overlap the key directory's lookup of the LSN; then
     * {@link #get(byte[], int, long, int)} checks the LSN in that (by then cached) slot.
     *
     * @return the slot of {@code key}'s entry in its shard, or -1
     */
    int find(byte[] key, int hash) {
        if (shards.length == 0) {
            return -1;
        }
        Shard s = shards[hash & (SHARDS - 1)];
        int pair = s.pair(hash);
        for (int i = pair; i < pair + 2; i++) {
            if (s.hashes[i] == hash) {
                byte[] e = (byte[]) SLOT.getAcquire(s.slots, i);
                if (e != null && hasKey(e, key)) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * @return a copy of the value of {@code key} at {@code lsn} if slot {@code slot} (from {@link #find}, or -1) of
     *         its shard still holds it, or null
     */
    byte[] get(byte[] key, int hash, long lsn, int slot) {
        if (slot < 0) {
            return null;
        }
        Shard s = shards[hash & (SHARDS - 1)];
        byte[] e = (byte[]) SLOT.getAcquire(s.slots, slot); // replaced since find: checked below like any entry
        byte[] value = e == null ? null : valueIfIs(e, key, lsn);
        if (value != null && s.used[slot] == 0) {
            s.used[slot] = 1;
        }
        return value;
    }

    /**
     * @return a copy of entry {@code e}'s value if it holds {@code key} at {@code lsn}, else null. The array may be
     *         an evicted entry being rewritten for another key under this read ({@link #put} reuses them): its version
     *         is odd while that happens and moves on after, so a copy counts only if the version was even before and
     *         is the same after (a sequence lock; torn bytes read meanwhile are thrown away). Every index here comes
     *         from the caller's key and the array's length, never from the bytes being read.
     */
    private static byte[] valueIfIs(byte[] e, byte[] key, long lsn) {
        // Plain int accesses at offset 0 (aligned, so atomic) ordered by fences: byte-array views offer no volatile
        // int access on every JVM this library runs on.
        int version = (int) INT.get(e, VERSION_AT);
        VarHandle.acquireFence(); // the version before the bytes it guards
        if ((version & 1) != 0 || e.length < KEY_AT + key.length) {
            return null;
        }
        if ((long) LONG.get(e, LSN_AT) != lsn || (short) SHORT.get(e, KEY_LENGTH_AT) != (short) key.length
                || !Arrays.equals(e, KEY_AT, KEY_AT + key.length, key, 0, key.length)) {
            return null;
        }
        byte[] value = Arrays.copyOfRange(e, KEY_AT + key.length, e.length);
        VarHandle.acquireFence(); // the reads above before the version's second read
        return (int) INT.get(e, VERSION_AT) == version ? value : null;
    }

    /** @return whether entry {@code e} holds {@code key} (at any LSN) */
    private static boolean hasKey(byte[] e, byte[] key) {
        return (short) SHORT.get(e, KEY_LENGTH_AT) == (short) key.length && e.length >= KEY_AT + key.length
                && Arrays.equals(e, KEY_AT, KEY_AT + key.length, key, 0, key.length);
    }

    /** Caches (a copy of) {@code value} as the value of {@code key} at {@code lsn}, replacing any entry of that key. */
    void put(byte[] key, int hash, long lsn, byte[] value) {
        if (shards.length == 0) {
            return;
        }
        int cost = cost(key, value);
        Shard s = shards[hash & (SHARDS - 1)];
        if (cost > shardBudget / 8 || cost > s.entryBudget) {
            return;
        }
        int length = KEY_AT + key.length + value.length;
        s.lock.lock();
        try {
            byte[][] slots = s.slots;
            int pair = s.pair(hash);
            int at = -1;
            for (int i = pair; i < pair + 2 && at < 0; i++) {
                byte[] e = slots[i];
                if (e != null && s.hashes[i] == hash && hasKey(e, key)) {
                    at = i; // the key's own slot: an older (or the same) LSN goes
                }
            }
            if (at < 0) {
                at = slots[pair] == null ? pair : slots[pair + 1] == null ? pair + 1
                        : s.used[pair] == 0 ? pair : s.used[pair + 1] == 0 ? pair + 1 : pair + (int) (lsn & 1);
            }
            s.evict(at);
            // An evicted entry of the same length is rewritten in place (round 5): a fill then allocates nothing, and
            // the young collections have no new cache entries to copy. Its bytes are counted already.
            byte[] entry = s.takeSpare(length);
            while (entry == null && s.bytes + cost > s.entryBudget) {
                if (s.spares > 0) {
                    s.dropSpare();
                } else {
                    s.sweep();
                    entry = s.takeSpare(length);
                }
            }
            if (entry == null) {
                entry = new byte[length];
                s.bytes += cost;
            }
            int version = (int) INT.get(entry, VERSION_AT); // even: no one else writes it (shard lock)
            INT.set(entry, VERSION_AT, version + 1); // odd: lookups still holding it stop trusting it
            VarHandle.storeStoreFence(); // the odd version before any of the new bytes
            LONG.set(entry, LSN_AT, lsn);
            SHORT.set(entry, KEY_LENGTH_AT, (short) key.length);
            System.arraycopy(key, 0, entry, KEY_AT, key.length);
            System.arraycopy(value, 0, entry, KEY_AT + key.length, value.length);
            VarHandle.releaseFence(); // the new bytes before the even version
            INT.set(entry, VERSION_AT, version + 2);
            s.hashes[at] = hash;
            s.used[at] = 0;
            SLOT.setRelease(slots, at, entry); // the entry's bytes before the reference
        } finally {
            s.lock.unlock();
        }
    }

    /** @return the bytes the cached entries account for (with {@link #spareBytes}, at most the budget less the tables) */
    long bytes() {
        return sumOverShards(s -> s.bytes - s.spareBytes());
    }

    /** @return the bytes of evicted entries kept for reuse */
    long spareBytes() {
        return sumOverShards(Shard::spareBytes);
    }

    /** @return how many fills rewrote an evicted entry instead of allocating one */
    long reused() {
        return sumOverShards(s -> s.reused);
    }

    private long sumOverShards(java.util.function.ToLongFunction<Shard> f) {
        long n = 0;
        for (Shard s : shards) {
            s.lock.lock();
            try {
                n += f.applyAsLong(s);
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
            n += (long) SLOT_BYTES * s.slots.length;
        }
        return n;
    }

    /** @return the number of entries */
    int size() {
        int n = 0;
        for (Shard s : shards) {
            s.lock.lock();
            try {
                for (byte[] e : s.slots) {
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
        /** Entries; written only under the lock (with release order), read without it. */
        final byte[][] slots;
        /** The hash of each slot's entry's key (a filter for lookups and inserts; the entry's own key decides). */
        final int[] hashes;
        /** Each slot's used mark: set by a lookup that returned it, cleared by the CLOCK hand. */
        final byte[] used;
        final int pairMask;
        final long entryBudget;
        // Guarded by lock.
        long bytes;
        int hand;
        /** Evicted entries kept for reuse, [0, spares); their bytes stay in {@link #bytes} until dropped. */
        final byte[][] spare = new byte[SPARES][];
        int spares;
        long reused;

        Shard(int slots, long entryBudget) {
            this.slots = new byte[slots][];
            this.hashes = new int[slots];
            this.used = new byte[slots];
            this.pairMask = slots - 2;
            this.entryBudget = entryBudget;
        }

        /** @return the first slot of {@code hash}'s pair (bits above the shard's) */
        int pair(int hash) {
            return (hash >>> 4) * 2 & pairMask;
        }

        /** Empties slot {@code i}, keeping its entry for reuse (dropping another spare if all are taken). Lock held. */
        void evict(int i) {
            byte[] e = slots[i];
            if (e != null) {
                SLOT.setRelease(slots, i, (byte[]) null);
                if (spares == SPARES) {
                    dropSpare();
                }
                spare[spares++] = e;
            }
        }

        /** @return a spare entry of exactly {@code length} bytes, no longer a spare, or null. Lock held. */
        byte[] takeSpare(int length) {
            for (int i = spares - 1; i >= 0; i--) {
                byte[] e = spare[i];
                if (e.length == length) {
                    spare[i] = spare[--spares];
                    spare[spares] = null;
                    reused++;
                    return e;
                }
            }
            return null;
        }

        long spareBytes() {
            long n = 0;
            for (int i = 0; i < spares; i++) {
                n += spare[i].length - KEY_AT + ENTRY_OVERHEAD;
            }
            return n;
        }

        /** Forgets a spare entry and its bytes. Lock held, at least one spare. */
        void dropSpare() {
            byte[] e = spare[0];
            spare[0] = spare[--spares];
            spare[spares] = null;
            bytes -= e.length - KEY_AT + ENTRY_OVERHEAD;
        }

        /** Moves the CLOCK hand one slot: an unused entry there goes, a used one loses its mark. Lock held. */
        void sweep() {
            hand = (hand + 1) & (slots.length - 1);
            if (slots[hand] != null) {
                if (used[hand] != 0) {
                    used[hand] = 0;
                } else {
                    evict(hand);
                }
            }
        }
    }
}
