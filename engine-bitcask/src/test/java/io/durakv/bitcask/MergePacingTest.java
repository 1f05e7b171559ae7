package io.durakv.bitcask;

import io.durakv.api.StoreOptions;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static io.durakv.bitcask.Stores.DIR;
import static io.durakv.bitcask.Stores.key;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A background merge gives way to gets (docs/formats/bitcask.md, "Merge", pacing): while gets ran within the quiet
 * time and the sealed files' dead fraction is below the urgent ratio, a due merge is put off (no switch, no files);
 * it runs once the gets pause, or once the dead fraction reaches the urgent ratio even while they go on. The store's
 * clock is a test clock here, so "the gets pause" is a clock step, not a wait.
 */
class MergePacingTest {

    private static final int KEYS = 200;

    @Test
    void aDueMergeWaitsWhileGetsRunAndRunsOnceTheyPause() throws Exception {
        try (BitcaskStore s = open()) {
            AtomicLong clock = new AtomicLong(1_000_000_000L);
            s.clockForTest = clock::get;
            int[] version = new int[KEYS];
            writeAll(s, version);
            assertThat(s.get(key(0))).isNotNull(); // gets are running from here on (the clock does not move)
            Random random = new Random(1);
            while (!sealedDeadReached(s, BitcaskConfig.DEFAULT_MERGE_DEAD_RATIO)) {
                overwrite(s, random.nextInt(KEYS), version);
            }
            assertThat(sealedDeadReached(s, BitcaskStore.urgentDeadRatio(BitcaskConfig.DEFAULT_MERGE_DEAD_RATIO)))
                    .as("due, not urgent").isFalse();
            assertThat(s.get(key(1))).isNotNull();
            await(() -> s.background.deferrals() >= 2, "the due merge gave way twice");
            assertThat(s.generation).as("no merge switched while gets ran").isZero();
            assertThat(s.disk.list(s.dir).stream().filter(n -> n.startsWith("merge-")).toList())
                    .as("no merge files left").isEmpty();

            clock.addAndGet(BitcaskStore.READS_QUIET_NANOS); // no get for the quiet time
            await(() -> s.generation >= 1, "the merge ran once the gets paused");
            checkAll(s, version);
        }
    }

    @Test
    void aMergeStopsGivingWayOnceTheDeadFractionIsUrgent() throws Exception {
        try (BitcaskStore s = open()) {
            s.clockForTest = () -> 5_000_000_000L; // gets never pause
            int[] version = new int[KEYS];
            writeAll(s, version);
            assertThat(s.get(key(0))).isNotNull();
            Random random = new Random(2);
            while (!sealedDeadReached(s, BitcaskConfig.DEFAULT_MERGE_DEAD_RATIO)) {
                overwrite(s, random.nextInt(KEYS), version);
            }
            assertThat(s.get(key(1))).isNotNull();
            await(() -> s.background.deferrals() >= 1, "the due merge gave way");
            long before = s.generation;
            for (int i = 0; s.generation == before; i++) {
                assertThat(i).as("overwrites before the merge ran").isLessThan(200_000);
                overwrite(s, random.nextInt(KEYS), version);
                assertThat(s.get(key(random.nextInt(KEYS)))).isNotNull();
            }
            assertThat(s.generation).isGreaterThan(before);
            checkAll(s, version);
        }
    }

    @Test
    void scansCountAsReads() throws Exception {
        try (BitcaskStore s = open()) {
            AtomicLong clock = new AtomicLong(9_000_000_000L);
            s.clockForTest = clock::get;
            int[] version = new int[KEYS];
            writeAll(s, version);
            assertThat(s.mergeShouldYield()).as("no read yet").isFalse();
            try (var it = s.scan(null, null)) {
                assertThat(it.next()).isNotNull();
            }
            assertThat(s.mergeShouldYield()).as("right after a scan's entry").isTrue();
            clock.addAndGet(BitcaskStore.READS_QUIET_NANOS);
            assertThat(s.mergeShouldYield()).as("after the quiet time").isFalse();
            assertThat(s.get(key(3))).isNotNull();
            assertThat(s.mergeShouldYield()).as("right after a get").isTrue();
        }
    }

    @Test
    void mergeNowNeverGivesWay() throws Exception {
        try (BitcaskStore s = open()) {
            s.clockForTest = () -> 7_000_000_000L;
            int[] version = new int[KEYS];
            writeAll(s, version);
            for (int k = 0; k < KEYS; k++) {
                overwrite(s, k, version);
            }
            assertThat(s.get(key(0))).isNotNull();
            s.background.exclusive(() -> {
                try {
                    s.mergeNow();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(s.generation).isGreaterThanOrEqualTo(1);
            checkAll(s, version);
        }
    }

    private static BitcaskStore open() {
        // Background merges at the default ratio, 64 KiB data files, no cache: every get reads its record.
        return BitcaskStore.open(DIR, StoreOptions.builder().disk(new SimulatedDisk()).build(),
                new BitcaskConfig(65536, BitcaskConfig.DEFAULT_MERGE_DEAD_RATIO, true, 0));
    }

    private static void writeAll(BitcaskStore s, int[] version) {
        for (int k = 0; k < KEYS; k++) {
            s.put(key(k), value(k, version[k]));
        }
    }

    private static void overwrite(BitcaskStore s, int k, int[] version) {
        version[k]++;
        s.put(key(k), value(k, version[k]));
    }

    private static void checkAll(BitcaskStore s, int[] version) {
        for (int k = 0; k < KEYS; k++) {
            assertThat(s.get(key(k))).as("key %d", k).isEqualTo(value(k, version[k]));
        }
        s.verify();
    }

    private static boolean sealedDeadReached(BitcaskStore s, double ratio) {
        s.keysLock.readLock().lock();
        try {
            return s.space.shouldMerge(ratio);
        } finally {
            s.keysLock.readLock().unlock();
        }
    }

    private static byte[] value(int k, int version) {
        byte[] v = new byte[300];
        Arrays.fill(v, (byte) (k * 31 + version));
        v[0] = (byte) version;
        v[1] = (byte) (version >>> 8);
        return v;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 20 s for: %s", what).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
