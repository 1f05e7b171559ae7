package io.durakv.bitcask;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of round 5's value cache, whose fills rewrite evicted entries of the same length while lock-free lookups may
 * still hold them (a per-entry version read as a sequence lock).
 */
class ValueCacheRound5ReviewTest {

    private static final int VALUE = 4000;

    /** @return a value of key {@code k} at {@code lsn}: every byte depends on both, so a torn copy shows */
    private static byte[] value(int k, long lsn) {
        byte[] v = new byte[VALUE];
        int x = k * 0x9E3779B1 + (int) lsn * 0x85EBCA6B;
        for (int i = 0; i < VALUE; i++) {
            x = x * 1103515245 + 12345;
            v[i] = (byte) (x >>> 24);
        }
        return v;
    }

    /**
     * Keys of one length that all fall in one shard and in two of its pairs of slots, values of one length (4 000
     * bytes, so that a copy takes a while), far more of them than the shard's budget holds: every fill evicts and
     * rewrites a spare that lookups on other threads may be copying, often for another key of the same pair. Writers
     * fill random keys at a few LSNs; lookups (both ways: in one step, and slot first, LSN later) must return exactly
     * the value of their key at their LSN or nothing; the budget, spares included, holds throughout.
     */
    @Test
    void lookupsRacingRewritesOfSameLengthEntriesInOnePairNeverReturnTornOrForeignBytes() throws Exception {
        long budget = 16L << 16; // 64 KiB a shard: 1 024 slots and about 13 entries of 4 KiB
        ValueCache cache = new ValueCache(budget);
        List<byte[]> keys = new ArrayList<>();
        List<Integer> pairs = new ArrayList<>();
        for (int i = 0; keys.size() < 24; i++) {
            byte[] k = String.format("ck-%07d", i).getBytes();
            int h = KeyDir.hash(k);
            int pair = (h >>> 4) * 2 & (1024 - 2);
            if ((h & 15) == 0 && (pairs.size() < 2 || pairs.contains(pair))) {
                if (!pairs.contains(pair)) {
                    pairs.add(pair);
                }
                keys.add(k);
            }
        }
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicLong hits = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            boolean writer = t < 2;
            long seed = t;
            (writer ? writers : readers).add(new Thread(() -> {
                Random r = new Random(seed);
                try {
                    for (int op = 0; op < (writer ? 60_000 : Integer.MAX_VALUE) && errors.isEmpty()
                            && (writer || !done.get()); op++) {
                        int k = r.nextInt(keys.size());
                        long lsn = 1 + r.nextInt(4);
                        byte[] key = keys.get(k);
                        int h = KeyDir.hash(key);
                        if (writer) {
                            cache.put(key, h, lsn, value(k, lsn));
                            continue;
                        }
                        byte[] got = op % 2 == 0 ? cache.get(key, h, lsn) : cache.get(key, h, lsn, cache.find(key, h));
                        if (got != null) {
                            hits.incrementAndGet();
                            if (!Arrays.equals(got, value(k, lsn))) {
                                errors.add("key " + k + " LSN " + lsn + ": bytes that are not its value");
                            }
                        }
                        if ((op & 1023) == 0) {
                            long used = cache.bytes() + cache.spareBytes() + cache.tableBytes();
                            if (used > budget) {
                                errors.add(used + " bytes cached, over the budget of " + budget);
                            }
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e.toString());
                }
            }));
        }
        BitcaskRound5ReviewTest.race(readers, writers, done);
        assertThat(errors).isEmpty();
        assertThat(hits.get()).as("lookups that found entries").isPositive();
        assertThat(cache.reused()).as("fills that rewrote an evicted entry").isGreaterThan(10_000);
        assertThat(cache.bytes() + cache.spareBytes() + cache.tableBytes()).isLessThanOrEqualTo(budget);
    }

    /**
     * Single-threaded against a model of what may be cached: random fills of keys colliding in a few pairs, with
     * values of a few lengths (so spares of other lengths are dropped and sweeps run), at rising LSNs per key. A lookup
     * at a key's latest LSN returns its latest value or nothing, never the value of an older LSN; a lookup at an older
     * LSN returns nothing (a fill replaces its key's entry); the accounting (entries plus spares plus tables) never passes
     * the budget.
     */
    @Test
    void fillsOfMixedLengthsKeepExactValuesAndTheBudget() {
        long budget = 16L * 2048;
        ValueCache cache = new ValueCache(budget);
        Random r = new Random(42);
        int keys = 64;
        long[] latest = new long[keys];
        int[] lengthOf = new int[keys];
        byte[][] keyBytes = new byte[keys][];
        for (int k = 0; k < keys; k++) {
            keyBytes[k] = String.format("mk-%03d", k).getBytes();
        }
        for (int step = 0; step < 50_000; step++) {
            int k = r.nextInt(keys);
            byte[] key = keyBytes[k];
            int h = KeyDir.hash(key);
            if (r.nextInt(3) == 0) {
                latest[k]++;
                lengthOf[k] = new int[]{0, 10, 60, 100}[r.nextInt(4)];
                cache.put(key, h, latest[k], Arrays.copyOf(value(k, latest[k]), lengthOf[k]));
            } else if (latest[k] > 0) {
                long lsn = r.nextInt(4) == 0 ? 1 + r.nextInt((int) latest[k]) : latest[k];
                byte[] got = cache.get(key, h, lsn, cache.find(key, h));
                if (got != null) {
                    assertThat(lsn).as("step %d: only the latest LSN of a key is cached", step).isEqualTo(latest[k]);
                    assertThat(got).as("step %d", step).isEqualTo(Arrays.copyOf(value(k, lsn), lengthOf[k]));
                }
            }
            assertThat(cache.bytes() + cache.spareBytes() + cache.tableBytes()).as("step %d", step)
                    .isLessThanOrEqualTo(budget);
            assertThat(cache.bytes()).as("step %d: entries' bytes", step).isNotNegative();
        }
        assertThat(cache.reused()).isPositive();
        assertThat(cache.size()).isPositive();
    }
}
