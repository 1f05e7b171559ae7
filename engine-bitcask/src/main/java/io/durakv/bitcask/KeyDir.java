package io.durakv.bitcask;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The key directory: every live key and where its latest value lives, in a compact open-addressing hash table
 * (docs/formats/bitcask.md, "Memory per key").
 *
 * <p>Layout: each key gets an <em>entry</em> number, stable for as long as the key is live (entries never move; a
 * removed entry's number is reused by a later insert). Per entry, six longs side by side in a paged {@code long[]}
 * (48 bytes, so that a lookup finds them all in one or two cache lines) hold the key itself if it has at most
 * {@value #INLINE_KEY} bytes (packed big-endian into two longs, zero-padded) or else its position in a byte arena, the
 * sequence number (LSN) of the record holding its value, the packed location of that record
 * ({@link BitcaskFormat#location}), the key's hash with the operation's size, and the key's length. A lookup of a
 * short key so touches two places in memory (its table slot and its entry), not three. The hash table is a
 * {@code long[]} of slots holding the key's hash (high 32 bits) and its entry number + 1 (low 32 bits), so that probing
 * past other keys and resizing never touch the entries; linear probing and backward-shift deletion, kept between
 * 3/16 and 3/4 full. Longer keys live in 1 MiB arena pages behind a two-byte length; removed keys' bytes are reclaimed
 * by compacting the arena when they pass half of it.
 *
 * <p>Stable entry numbers are what lets a merge walk the directory in short chunks ({@link #limit()},
 * {@link #isLive(int)}) while writers change it between chunks: every key live throughout the walk is seen once.
 *
 * <p>Not thread-safe: the store guards it with a read-write lock.
 */
final class KeyDir {

    private static final int PAGE_SHIFT = 12;
    private static final int PAGE = 1 << PAGE_SHIFT;
    private static final int ARENA_SHIFT = 20;
    private static final int ARENA_PAGE = 1 << ARENA_SHIFT;
    private static final int FREE = -1;

    // Entries, paged so that growth never copies them; indexed by entry number. Each entry is FIELDS longs side by
    // side in its page (one 48-byte run): the key's first 8 bytes (or, for a key longer than INLINE_KEY, its arena
    // position), the key's next 8 bytes, the LSN, the location, the key's hash (high 32 bits) with the operation size
    // (low 32 bits; FREE for a free entry), and the key's length.
    private static final int FIELDS = 6;
    private static final int F_KEY = 0;
    private static final int F_KEY2 = 1;
    private static final int F_LSN = 2;
    private static final int F_LOC = 3;
    private static final int F_HASH_SIZE = 4;
    private static final int F_KEY_LENGTH = 5;
    /** Keys of at most this many bytes live in their entry, not in the arena. */
    static final int INLINE_KEY = 16;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private long[][] entries = new long[0][];
    /** Entry numbers handed out so far (live or free). */
    private int limit;
    /** Head of the free-entry chain (linked through the location field), or -1. */
    private int freeHead = -1;
    private int count;
    /** Bumped by every change to the entries (see {@link #version()}). */
    private long version;

    /** Open-addressing table: the key's hash in the high 32 bits, entry number + 1 in the low 32; 0 when empty. */
    private long[] table = new long[16];

    // Key arena.
    private byte[][] arena = new byte[0][];
    private long arenaUsed;
    private long arenaGarbage;
    /** {@link #prefetch}'s use of what it loads; never written in practice. */
    private long prefetchSink;
    /** A value no table slot (empty: 0; else entry + 1 is not 0) and no LSN (positive) has. */
    private static final long NEVER = 0xFFFFFFFF00000000L;

    private long get(int e, int field) {
        return entries[e >>> PAGE_SHIFT][(e & (PAGE - 1)) * FIELDS + field];
    }

    private void set(int e, int field, long value) {
        entries[e >>> PAGE_SHIFT][(e & (PAGE - 1)) * FIELDS + field] = value;
    }

    /** @return the number of live keys */
    int size() {
        return count;
    }

    /** @return one past the highest entry number ever handed out: walk {@code [0, limit())} to visit every entry */
    int limit() {
        return limit;
    }

    /** @return whether entry {@code e} holds a live key */
    boolean isLive(int e) {
        return e < limit && opSize(e) != FREE;
    }

    /**
     * @return the entry of {@code key}, or -1. Probes at most the whole table, so that a caller reading without the
     *         lock (and validating afterwards) ends even on a torn view of a table being changed; it may then also
     *         fail with a runtime exception.
     */
    int find(byte[] key) {
        return find(key, hash(key, 0, key.length));
    }

    /** As {@link #find(byte[])}, with {@code key}'s {@link #hash(byte[])} already computed. */
    int find(byte[] key, int h) {
        long[] t = table;
        int mask = t.length - 1;
        int slot = h & mask;
        for (int probes = 0; probes <= mask; probes++, slot = (slot + 1) & mask) {
            long v = t[slot];
            if (v == 0) {
                return -1;
            }
            if ((int) (v >>> 32) == h && keyEquals(entryOf(v), key)) { // checks the length first
                return entryOf(v);
            }
        }
        return -1;
    }

    long lsn(int e) {
        return get(e, F_LSN);
    }

    long location(int e) {
        return get(e, F_LOC);
    }

    int opSize(int e) {
        return (int) get(e, F_HASH_SIZE);
    }

    /** @return a copy of entry {@code e}'s key */
    byte[] key(int e) {
        int length = keyLength(e);
        if (length <= INLINE_KEY) {
            byte[] k = new byte[length];
            for (int i = 0; i < length; i++) {
                k[i] = inlineByte(e, i);
            }
            return k;
        }
        long pos = get(e, F_KEY);
        byte[] page = arena[(int) (pos >>> ARENA_SHIFT)];
        int at = (int) (pos & (ARENA_PAGE - 1));
        int len = keyLength(page, at);
        return Arrays.copyOfRange(page, at + 2, at + 2 + len);
    }

    /** @return {@code Arrays.compareUnsigned} of entry {@code e}'s key with {@code other} */
    int compareKey(int e, byte[] other) {
        int length = keyLength(e);
        if (length <= INLINE_KEY) {
            int common = Math.min(length, other.length);
            for (int i = 0; i < common; i++) {
                int c = Integer.compare(inlineByte(e, i) & 0xFF, other[i] & 0xFF);
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(length, other.length);
        }
        long pos = get(e, F_KEY);
        byte[] page = arena[(int) (pos >>> ARENA_SHIFT)];
        int at = (int) (pos & (ARENA_PAGE - 1));
        return Arrays.compareUnsigned(page, at + 2, at + 2 + keyLength(page, at), other, 0, other.length);
    }

    /** @return a number that changes whenever an entry is added, removed or pointed elsewhere */
    long version() {
        return version;
    }

    /** Points entry {@code e} (live) at a new record. */
    void update(int e, long lsn, long location, int opSize) {
        version++;
        set(e, F_LSN, lsn);
        set(e, F_LOC, location);
        setSize(e, opSize);
    }

    /**
     * Adds {@code key}, which must not be present.
     *
     * @return its entry
     */
    int insert(byte[] key, long lsn, long location, int opSize) {
        int h = hash(key, 0, key.length);
        int slot = findOrSlot(key, h);
        if (slot >= 0) {
            throw new IllegalStateException("key already present (entry " + slot + ")");
        }
        return insertAt(-slot - 1, key, h, lsn, location, opSize);
    }

    /**
     * The one probe of a write (round 5: a write used to probe twice, {@link #find} and then {@link #insert}): grows
     * the table first if one more key would pass 3/4 full, then looks {@code key} up.
     *
     * @param h {@code key}'s {@link #hash(byte[])}
     * @return {@code key}'s entry, or {@code -slot - 1} for the empty table slot where it goes
     *         ({@link #insertAt}, before any other change to the directory)
     */
    int findOrSlot(byte[] key, int h) {
        if ((count + 1) * 4L > table.length * 3L) {
            resize(table.length * 2);
        }
        long[] t = table;
        int mask = t.length - 1;
        int slot = h & mask;
        while (true) {
            long v = t[slot];
            if (v == 0) {
                return -slot - 1;
            }
            if ((int) (v >>> 32) == h && keyEquals(entryOf(v), key)) {
                return entryOf(v);
            }
            slot = (slot + 1) & mask;
        }
    }

    /**
     * Adds {@code key} (hash {@code h}, absent) in the empty table slot {@link #findOrSlot} returned for it.
     *
     * @return its entry
     */
    int insertAt(int slot, byte[] key, int h, long lsn, long location, int opSize) {
        int e = newEntry();
        set(e, F_KEY_LENGTH, key.length);
        if (key.length <= INLINE_KEY) {
            set(e, F_KEY, packed(key, 0));
            set(e, F_KEY2, packed(key, 8));
        } else {
            set(e, F_KEY, storeKey(key));
        }
        set(e, F_HASH_SIZE, ((long) h << 32) | (get(e, F_HASH_SIZE) & 0xFFFFFFFFL));
        update(e, lsn, location, opSize);
        table[slot] = slotValue(h, e);
        count++;
        return e;
    }

    /**
     * Starts the memory loads a write of a key with hash {@code h} will make (its table slot and, if that slot holds
     * a key with the same hash, the entry's LSN), so that they overlap the work before the write reaches the
     * directory (encoding and logging the record) instead of stalling it. Reads without any lock and changes
     * nothing: a torn or stale view only makes it load the wrong place.
     */
    void prefetch(int h) {
        long[] t = table;
        long v = t[h & (t.length - 1)];
        if ((int) (v >>> 32) == h && v != 0) {
            int e = entryOf(v);
            long[][] pages = entries;
            int page = e >>> PAGE_SHIFT;
            // The page may still be null: newEntry publishes the longer page array before the new page in it.
            long[] p = page < pages.length ? pages[page] : null;
            if (p != null) {
                v = p[(e & (PAGE - 1)) * FIELDS + F_LSN];
            }
        }
        if (v == NEVER) { // the loads must be used, or the compiler drops them
            prefetchSink++;
        }
    }

    /** Sizes the hash table for {@code n} keys at once, instead of doubling step by step as they arrive. */
    void reserve(long n) {
        long want = Math.min(1L << 30, n * 4 / 3 + 1);
        if (want > table.length) {
            resize(Integer.highestOneBit((int) want - 1) << 1);
        }
    }

    /** Removes entry {@code e} (live) and its key. */
    void remove(int e) {
        version++;
        int mask = table.length - 1;
        long mine = slotValue(hashOf(e), e);
        int slot = hashOf(e) & mask;
        while (table[slot] != mine) {
            slot = (slot + 1) & mask;
        }
        // Backward-shift deletion: move later members of the probe run into the hole, so lookups never need markers.
        int hole = slot;
        for (int i = (hole + 1) & mask; table[i] != 0; i = (i + 1) & mask) {
            int home = (int) (table[i] >>> 32) & mask;
            if (((i - home) & mask) >= ((i - hole) & mask)) {
                table[hole] = table[i];
                hole = i;
            }
        }
        table[hole] = 0;
        int length = keyLength(e);
        if (length > INLINE_KEY) {
            arenaGarbage += 2 + length;
        }
        setSize(e, FREE);
        set(e, F_LOC, freeHead);
        freeHead = e;
        count--;
        if (arenaGarbage > ARENA_PAGE && arenaGarbage * 2 > arenaUsed) {
            compactArena();
        }
        if (count * 16L < table.length * 3L && table.length > 16) {
            resize(table.length / 2);
        }
    }

    /**
     * @return the bytes this directory holds in arrays beyond the keys' own bytes: entry pages, the hash table, key
     *         length prefixes and unused arena space
     */
    long overheadBytes(long keyBytes) {
        long entryPages = (long) entries.length * PAGE * FIELDS * 8;
        long pageArrays = 16 + 8L * entries.length; // array headers and page references, approximately
        long arenaBytes = (long) arena.length * ARENA_PAGE + 16L + 8L * arena.length;
        return entryPages + pageArrays + (long) table.length * 8 + 16 + arenaBytes - keyBytes;
    }

    // ---- internals ---------------------------------------------------------------------------------------------

    private int newEntry() {
        if (freeHead >= 0) {
            int e = freeHead;
            freeHead = (int) get(e, F_LOC);
            return e;
        }
        int e = limit++;
        if ((e >>> PAGE_SHIFT) == entries.length) {
            int pages = entries.length + 1;
            long[] page = new long[PAGE * FIELDS];
            for (int i = 0; i < PAGE; i++) {
                page[i * FIELDS + F_HASH_SIZE] = FREE & 0xFFFFFFFFL;
            }
            entries = Arrays.copyOf(entries, pages);
            entries[pages - 1] = page;
        }
        return e;
    }

    private long storeKey(byte[] key) {
        int need = 2 + key.length;
        int page = (int) (arenaUsed >>> ARENA_SHIFT);
        int at = (int) (arenaUsed & (ARENA_PAGE - 1));
        if (page == arena.length || at + need > ARENA_PAGE) {
            if (page < arena.length) { // the rest of a page too short for this key is wasted
                arenaGarbage += ARENA_PAGE - at;
                page++;
            }
            if (page == arena.length) {
                arena = Arrays.copyOf(arena, page + 1);
                arena[page] = new byte[ARENA_PAGE];
            }
            at = 0;
        }
        byte[] p = arena[page];
        p[at] = (byte) (key.length >>> 8);
        p[at + 1] = (byte) key.length;
        System.arraycopy(key, 0, p, at + 2, key.length);
        long pos = ((long) page << ARENA_SHIFT) | at;
        arenaUsed = pos + need;
        return pos;
    }

    /** Rewrites every live key into a fresh arena, dropping removed keys' bytes. */
    private void compactArena() {
        byte[][] old = arena;
        arena = new byte[0][];
        arenaUsed = 0;
        arenaGarbage = 0;
        for (int e = 0; e < limit; e++) {
            if (isLive(e) && keyLength(e) > INLINE_KEY) {
                long pos = get(e, F_KEY);
                byte[] page = old[(int) (pos >>> ARENA_SHIFT)];
                int at = (int) (pos & (ARENA_PAGE - 1));
                set(e, F_KEY, storeKey(Arrays.copyOfRange(page, at + 2, at + 2 + keyLength(page, at))));
            }
        }
    }

    private void resize(int capacity) {
        long[] t = new long[capacity];
        int mask = capacity - 1;
        for (long v : table) {
            if (v != 0) {
                int slot = (int) (v >>> 32) & mask;
                while (t[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                t[slot] = v;
            }
        }
        table = t;
    }

    /** @return a table slot's value for entry {@code e} whose key hashes to {@code h} */
    private static long slotValue(int h, int e) {
        return ((long) h << 32) | (e + 1L);
    }

    /** @return the entry number a non-empty table slot's value names */
    private static int entryOf(long v) {
        return (int) v - 1;
    }

    private boolean keyEquals(int e, byte[] key) {
        int length = key.length;
        if (keyLength(e) != length) {
            return false;
        }
        if (length <= INLINE_KEY) {
            return get(e, F_KEY) == packed(key, 0) && get(e, F_KEY2) == packed(key, 8);
        }
        long pos = get(e, F_KEY);
        byte[] page = arena[(int) (pos >>> ARENA_SHIFT)];
        int at = (int) (pos & (ARENA_PAGE - 1));
        return keyLength(page, at) == key.length
                && Arrays.equals(page, at + 2, at + 2 + key.length, key, 0, key.length);
    }

    /** @return the {@link #hash(byte[])} of entry {@code e}'s key */
    int hash(int e) {
        return hashOf(e);
    }

    private int hashOf(int e) {
        return (int) (get(e, F_HASH_SIZE) >>> 32);
    }

    private void setSize(int e, int opSize) {
        set(e, F_HASH_SIZE, (get(e, F_HASH_SIZE) & 0xFFFFFFFF00000000L) | (opSize & 0xFFFFFFFFL));
    }

    /** @return the length of entry {@code e}'s key */
    private int keyLength(int e) {
        return (int) get(e, F_KEY_LENGTH);
    }

    /** @return byte {@code i} of entry {@code e}'s inline key */
    private byte inlineByte(int e, int i) {
        return (byte) (get(e, i < 8 ? F_KEY : F_KEY2) >>> (56 - 8 * (i & 7)));
    }

    /** @return bytes {@code [from, from + 8)} of {@code key} as a big-endian long, zero past the key's end */
    private static long packed(byte[] key, int from) {
        if (key.length >= from + 8) {
            return (long) LONGS.get(key, from);
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (from + i < key.length ? key[from + i] & 0xFF : 0);
        }
        return v;
    }

    private static int keyLength(byte[] page, int at) {
        return ((page[at] & 0xFF) << 8) | (page[at + 1] & 0xFF);
    }

    /** @return the hash the directory files {@code key} under */
    static int hash(byte[] key) {
        return hash(key, 0, key.length);
    }

    /**
     * Eight bytes at a time (native order: the hash never leaves the process), each word folded in with a multiply and
     * a shift so that every bit of the key reaches the low bits linear probing uses, then murmur3's 64-bit finalizer.
     * A 16-byte key costs two words and the finalizer (round 5: the former byte-at-a-time FNV-1a was a chain of 16
     * dependent multiplies on every put and get).
     */
    private static int hash(byte[] b, int from, int length) {
        long h = length * 0x9E3779B97F4A7C15L;
        int i = from;
        int end = from + length;
        for (; i + 8 <= end; i += 8) {
            h = mix(h, (long) WORDS.get(b, i));
        }
        if (i < end) {
            long w;
            if (length >= 8) {
                w = (long) WORDS.get(b, end - 8); // the last eight bytes, overlapping the previous word
            } else {
                w = 0;
                for (int j = i; j < end; j++) {
                    w = w << 8 | (b[j] & 0xFF);
                }
            }
            h = mix(h, w);
        }
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (int) h;
    }

    private static long mix(long h, long word) {
        h = (h ^ word) * 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 29);
    }
}
