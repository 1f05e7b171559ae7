package io.durakv.bitcask;

import io.durakv.api.CorruptionException;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.StoreOptions;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static io.durakv.bitcask.Stores.DIR;
import static io.durakv.bitcask.Stores.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The value cache: bounded by its budget, keyed by key and LSN so that a stale entry is never returned, never a way
 * for a caller to change stored data, and never a substitute for the CRC check of a value read from disk.
 */
class ValueCacheTest {

    @Test
    void staysWithinItsBudgetAndEvictsOldEntriesFirst() {
        long budget = 16 * (8 * (100 + 8 + 112)); // room for about 8 to 16 entries per shard
        ValueCache cache = new ValueCache(budget);
        Random random = new Random(7);
        for (long lsn = 1; lsn <= 5000; lsn++) {
            byte[] k = key((int) lsn);
            cache.put(k, KeyDir.hash(k), lsn, new byte[random.nextInt(100)]);
            assertThat(cache.bytes() + cache.spareBytes() + cache.tableBytes()).isLessThanOrEqualTo(budget);
        }
        assertThat(cache.size()).isBetween(50, 16 * 16);
        byte[] last = key(5000);
        assertThat(cache.get(last, KeyDir.hash(last), 5000)).as("the newest entry is kept").isNotNull();
        byte[] first = key(1);
        assertThat(cache.get(first, KeyDir.hash(first), 1)).as("the oldest entry went first").isNull();
    }

    /** The CLOCK hand spares an entry that lookups keep using, while a stream of new entries passes through. */
    @Test
    void anEntryInUseOutlivesAStreamOfNewOnes() {
        long budget = 16 * (8 * (100 + 8 + 112));
        ValueCache cache = new ValueCache(budget);
        byte[] hot = key(-1);
        cache.put(hot, KeyDir.hash(hot), 9, new byte[]{4, 2});
        for (long lsn = 1; lsn <= 5000; lsn++) {
            byte[] k = key((int) lsn);
            cache.put(k, KeyDir.hash(k), lsn, new byte[60]);
            assertThat(cache.get(hot, KeyDir.hash(hot), 9)).as("after %d new entries", lsn).containsExactly(4, 2);
        }
        byte[] early = key(10);
        assertThat(cache.get(early, KeyDir.hash(early), 10)).as("an unused early entry went").isNull();
    }

    /** @return the value a test gives {@code key} at {@code lsn}: its length and bytes depend on both */
    private static byte[] valueOf(int key, long lsn) {
        byte[] v = new byte[1 + (int) ((key * 7 + lsn) % 90)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) (key * 31 + lsn * 17 + i);
        }
        return v;
    }

    /**
     * Lookups without a lock racing inserts that replace and evict entries on other threads (a small cache, so slots
     * change all the time, also between a lookup's {@code find} of the slot and its check of the LSN; keys share
     * LSNs, as the keys of one batch record do): a lookup returns the value of exactly its key at exactly its LSN, or
     * nothing, never another entry's bytes; and a returned value is the caller's copy.
     */
    @Test
    void lockFreeLookupsRacingInsertsNeverReturnAnotherEntry() throws Exception {
        ValueCache cache = new ValueCache(16 * 4096);
        int keys = 200;
        byte[][] keyBytes = new byte[keys][];
        for (int k = 0; k < keys; k++) {
            keyBytes[k] = ("k" + k).getBytes();
        }
        java.util.concurrent.ConcurrentLinkedQueue<Throwable> errors = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicLong hits = new java.util.concurrent.atomic.AtomicLong();
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            boolean writer = t < 2;
            long seed = t;
            threads.add(new Thread(() -> {
                Random r = new Random(seed);
                try {
                    for (int op = 0; op < 400_000; op++) {
                        int k = r.nextInt(keys);
                        long lsn = r.nextInt(8); // few LSNs: many keys share one
                        byte[] key = keyBytes[k];
                        if (writer) {
                            cache.put(key, KeyDir.hash(key), lsn, valueOf(k, lsn));
                        } else {
                            // Both ways of looking up: in one step, and slot first, LSN later (as a get does).
                            byte[] got = op % 2 == 0 ? cache.get(key, KeyDir.hash(key), lsn)
                                    : cache.get(key, KeyDir.hash(key), lsn, cache.find(key, KeyDir.hash(key)));
                            if (got != null) {
                                hits.incrementAndGet();
                                assertThat(got).isEqualTo(valueOf(k, lsn));
                                got[0] ^= 1; // the caller's copy: changes nothing in the cache
                            }
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertThat(errors).isEmpty();
        assertThat(hits.get()).as("lookups found entries").isPositive();
        assertThat(cache.reused()).as("fills rewrote evicted entries under the lookups").isPositive();
        assertThat(cache.bytes() + cache.spareBytes() + cache.tableBytes()).isLessThanOrEqualTo(16 * 4096);
    }

    /**
     * Keys and values of one size, as a store of fixed-size values fills the cache: once it is full, fills rewrite evicted
     * entries instead of allocating (the budget holds, spares included), and every lookup still returns exactly the
     * value of its key at its LSN, also for a key whose old entry was rewritten for another key.
     */
    @Test
    void fillsOfOneSizeRewriteEvictedEntriesAndLookupsStayExact() {
        long budget = 16 * 8192;
        ValueCache cache = new ValueCache(budget);
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < 2000; k++) {
                byte[] key = String.format("key-%05d", k).getBytes();
                long lsn = 1 + round * 10_000L + k;
                byte[] value = new byte[100];
                java.util.Arrays.fill(value, (byte) (k * 7 + round));
                cache.put(key, KeyDir.hash(key), lsn, value);
                assertThat(cache.get(key, KeyDir.hash(key), lsn)).as("round %d key %d", round, k).isEqualTo(value);
                assertThat(cache.bytes() + cache.spareBytes() + cache.tableBytes()).isLessThanOrEqualTo(budget);
            }
        }
        assertThat(cache.reused()).as("fills that reused an evicted entry").isGreaterThan(4000);
        int hits = 0;
        for (int k = 0; k < 2000; k++) {
            byte[] key = String.format("key-%05d", k).getBytes();
            assertThat(cache.get(key, KeyDir.hash(key), 1 + k)).as("an older LSN").isNull();
            byte[] got = cache.get(key, KeyDir.hash(key), 20_001 + k);
            if (got != null) {
                hits++;
                byte[] want = new byte[100];
                java.util.Arrays.fill(want, (byte) (k * 7 + 2));
                assertThat(got).isEqualTo(want);
            }
        }
        assertThat(hits).as("entries of the last round still cached").isPositive();
    }

    @Test
    void aSlotFoundBeforeTheLsnIsKnownAnswersOnlyForThatKeyAndLsn() {
        ValueCache cache = new ValueCache(1 << 20);
        byte[] k = "k".getBytes();
        int h = KeyDir.hash(k);
        assertThat(cache.find(k, h)).isNegative();
        assertThat(cache.get(k, h, 5, -1)).isNull();
        cache.put(k, h, 5, "five".getBytes());
        int slot = cache.find(k, h);
        assertThat(slot).isNotNegative();
        assertThat(cache.get(k, h, 5, slot)).isEqualTo("five".getBytes());
        assertThat(cache.get(k, h, 6, slot)).as("another LSN").isNull();
        byte[] other = "j".getBytes();
        assertThat(cache.find(other, KeyDir.hash(other))).isNegative();
        cache.put(k, h, 6, "six".getBytes()); // replaces the entry in the key's slot
        assertThat(cache.get(k, h, 5, slot)).as("the entry found was replaced").isNull();
        assertThat(cache.get(k, h, 6, cache.find(k, h))).isEqualTo("six".getBytes());
        ValueCache none = new ValueCache(0);
        assertThat(none.find(k, h)).isNegative();
    }

    @Test
    void aNewLsnOfAKeyReplacesItsEntry() {
        ValueCache cache = new ValueCache(1 << 20);
        byte[] k = key(3);
        cache.put(k, KeyDir.hash(k), 1, new byte[500]);
        long one = cache.bytes();
        cache.put(k, KeyDir.hash(k), 2, new byte[300]);
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.bytes()).isEqualTo(one - 200);
        assertThat(cache.get(k, KeyDir.hash(k), 1)).isNull();
        assertThat(cache.get(k, KeyDir.hash(k), 2)).hasSize(300);
    }

    @Test
    void aLookupMatchesKeyAndLsnExactly() {
        ValueCache cache = new ValueCache(1 << 20);
        byte[] k = "k".getBytes();
        cache.put(k, KeyDir.hash(k), 5, "five".getBytes());
        assertThat(cache.get("k".getBytes(), KeyDir.hash(k), 5)).isEqualTo("five".getBytes());
        assertThat(cache.get("k".getBytes(), KeyDir.hash(k), 6)).isNull();
        byte[] other = "j".getBytes();
        assertThat(cache.get(other, KeyDir.hash(other), 5)).isNull();
    }

    @Test
    void aValueTooLargeForAShardAndAZeroBudgetCacheNothing() {
        ValueCache small = new ValueCache(16 * 1024);
        byte[] k = "k".getBytes();
        small.put(k, KeyDir.hash(k), 1, new byte[1024]);
        assertThat(small.size()).isZero();
        ValueCache none = new ValueCache(0);
        none.put(k, KeyDir.hash(k), 1, new byte[1]);
        assertThat(none.get(k, KeyDir.hash(k), 1)).isNull();
        assertThat(none.bytes()).isZero();
    }

    @Test
    void overwritesDeletesAndMergesNeverServeAStaleValue() throws Exception {
        try (BitcaskStore s = Stores.open(new SimulatedDisk())) {
            Map<Integer, byte[]> model = new HashMap<>();
            Random random = new Random(3);
            for (int round = 0; round < 6; round++) {
                for (int i = 0; i < 200; i++) {
                    int k = random.nextInt(60);
                    if (random.nextInt(5) == 0) {
                        s.delete(key(k));
                        model.remove(k);
                    } else {
                        byte[] v = Stores.value(k, round * 1000 + i, 700);
                        s.put(key(k), v);
                        model.put(k, v);
                    }
                    int probe = random.nextInt(60);
                    assertThat(s.get(key(probe))).isEqualTo(model.get(probe));
                }
                s.mergeNow();
                for (int k = 0; k < 60; k++) {
                    assertThat(s.get(key(k))).isEqualTo(model.get(k));
                }
            }
            assertThat(s.cache.size()).isPositive();
        }
    }

    @Test
    void callersCannotChangeCachedValues() {
        try (BitcaskStore s = Stores.open(new SimulatedDisk())) {
            byte[] v = "value".getBytes();
            s.put(key(1), v);
            v[0] = 'X';
            byte[] read = s.get(key(1));
            assertThat(read).isEqualTo("value".getBytes());
            read[0] = 'Y';
            assertThat(s.get(key(1))).isEqualTo("value".getBytes());
            s.write(new io.durakv.api.WriteBatch().put(key(2), "batch".getBytes()));
            try (KeyValueIterator it = s.scan(key(1), null)) {
                it.next().value()[0] = 'Z';
            }
            assertThat(s.get(key(1))).isEqualTo("value".getBytes());
            assertThat(s.get(key(2))).isEqualTo("batch".getBytes());
        }
    }

    @Test
    void aValueReadFromDiskIsCrcCheckedBeforeItIsCached() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (BitcaskStore s = Stores.open(disk)) {
            s.put(key(1), Stores.value(1, 1, 500));
            for (int i = 2; i < 150; i++) { // seals the first data file: reopening reads its hint file, not it
                s.put(key(i), Stores.value(i, 1, 700));
            }
        }
        Path data = DIR.resolve(BitcaskFormat.DATA_DIR);
        Path segment = data.resolve(disk.list(data).stream().filter(n -> n.endsWith(".log")).sorted().findFirst()
                .orElseThrow());
        try (DiskFile f = disk.open(segment, OpenMode.READ_WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            f.readFully(300, b);
            b.put(0, (byte) (b.get(0) ^ 1)).rewind();
            f.write(300, b);
        }
        // The store reopens from the sealed file's hint file; the damaged value is found only when read.
        try (BitcaskStore s = BitcaskStore.open(DIR, StoreOptions.builder().disk(disk).build(),
                new BitcaskConfig(65536, Double.POSITIVE_INFINITY, false, 1 << 20))) {
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> s.get(key(1))).isInstanceOf(CorruptionException.class)
                        .hasMessageContaining(segment.getFileName().toString());
            }
            assertThat(s.cache.size()).isZero();
        }
    }
}
