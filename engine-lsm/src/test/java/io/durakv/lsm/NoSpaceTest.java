package io.durakv.lsm;

import io.durakv.api.StoreException;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashSet;
import java.util.Set;

import static io.durakv.lsm.Stores.DIR;
import static io.durakv.lsm.Stores.key;
import static io.durakv.lsm.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A failed write, create or rename inside a flush, compaction or manifest rewrite (a full disk) is not fatal: the
 * partial output is deleted, the work backs off and is retried, writes that find no room fail alone (nothing logged),
 * and once space is back the store works again without a reopen, everything acknowledged readable (lsm.md,
 * "Failures").
 */
class NoSpaceTest {

    private static final String[] SMALL = {"lsm.memtableBytes", "2048", "lsm.level0Trigger", "2",
            "lsm.levelBaseBytes", "4096", "lsm.targetFileBytes", "2048", "lsm.manifestRewriteBytes", "512",
            "wal.segmentBytes", "65536"};

    /** Inline mode: the failing work runs on the writer's thread; the n-th matching call and all after it fail. */
    @ParameterizedTest(name = "{0} of {1} fails from call {2} on, inline")
    @CsvSource({"WRITE, .*\\.sst, 1", "WRITE, .*\\.sst, 9", "CREATE, .*\\.sst, 2", "WRITE, .*manifest-.*, 1",
            "WRITE, .*manifest-.*, 4", "RENAME, .*CURRENT.*, 1", "CREATE, .*manifest-.*, 1", "WRITE, .*, 1"})
    void structuralWorkFailingOnAFullDiskIsRetriedOnceSpaceIsBack(DiskOp op, String path, long n) throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            int acked = 0;
            for (int i = 0; i < 300; i++) {
                s.put(key(i % 400), value(i, 0));
                acked++;
            }
            long flushes = s.stats().flushes.get();
            long rewrites = s.stats().manifestRewrites.get();
            disk.inject(FaultRule.fromNthCall(op, path, n));
            int failed = 0;
            for (int i = 300; i < 900; i++) {
                try {
                    s.put(key(i % 400), value(i, 1));
                    acked = i + 1;
                } catch (StoreException e) {
                    failed++;
                    if (!path.equals(".*")) { // the log itself takes writes: only the stall throws
                        assertThat(e).hasMessageContaining("write not logged");
                    }
                }
            }
            disk.clearFaults();
            long flushesWhileFull = s.stats().flushes.get();
            long rewritesWhileFull = s.stats().manifestRewrites.get();
            assertThat(s.get(key(0))).as("reads go on").isNotNull();
            for (int i = 900; i < 1500; i++) {
                s.put(key(i % 400), value(i, 2)); // none fails once space is back
            }
            assertThat(s.stats().flushes.get()).as("flushes work again").isGreaterThan(flushesWhileFull);
            boolean onlyRewritesFail = path.contains("CURRENT") || op == DiskOp.CREATE && path.contains("manifest");
            if (onlyRewritesFail) {
                assertThat(failed).as("flushes go on while only manifest rewrites fail").isZero();
                assertThat(rewritesWhileFull).isEqualTo(rewrites);
                assertThat(s.stats().manifestRewrites.get()).as("rewrites work again").isGreaterThan(rewrites);
            } else {
                if (n == 1) {
                    assertThat(flushesWhileFull).as("no flush completed on the full disk").isEqualTo(flushes);
                }
                assertThat(failed).as("writes that found the memtables full failed").isPositive();
            }
            s.verify();
            for (int i = 1100; i < 1500; i++) {
                assertThat(s.get(key(i % 400))).isEqualTo(value(i, 2));
            }
            assertOnlyLiveTables(s, disk);
        }
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            s.verify();
            for (int i = 1100; i < 1500; i++) {
                assertThat(s.get(key(i % 400))).isEqualTo(value(i, 2));
            }
        }
        for (long seed = 0; seed < 2; seed++) {
            try (LsmStore s = Stores.open(disk.crash(seed), false, SMALL)) {
                s.verify();
                for (int i = 1100; i < 1500; i++) {
                    assertThat(s.get(key(i % 400))).as("after a crash, seed " + seed).isEqualTo(value(i, 2));
                }
            }
        }
    }

    /**
     * Background mode: flushes fail and back off; writers stall behind them and give up after the bound with a
     * {@link StoreException} (nothing logged) instead of hanging; once space is back the thread's retry succeeds.
     */
    @Test
    void aWriteStalledBehindAFailingFlushThrowsAfterTheBoundAndTheRetrySucceedsOnceSpaceIsBack() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        String[] props = java.util.Arrays.copyOf(SMALL, SMALL.length + 2);
        props[SMALL.length] = "lsm.failingStallMillis";
        props[SMALL.length + 1] = "300";
        try (LsmStore s = Stores.open(disk, true, props)) {
            disk.inject(FaultRule.fromNthCall(DiskOp.WRITE, ".*\\.sst", 1));
            StoreException stalled = null;
            int acked = 0;
            long started = System.nanoTime();
            for (int i = 0; i < 2000 && stalled == null; i++) {
                try {
                    s.put(key(i % 400), value(i, 0));
                    acked = i + 1;
                } catch (StoreException e) {
                    stalled = e;
                }
            }
            long waitedMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(stalled).as("a write stalled behind the failing flush and gave up").isNotNull()
                    .hasMessageContaining("has been failing");
            assertThat(waitedMillis).as("the bound runs from the first failure").isGreaterThanOrEqualTo(300);
            assertThat(s.stats().flushes.get()).isZero();
            assertThat(s.stats().stalls.get()).isPositive();
            long again = System.nanoTime();
            assertThatThrownBy(() -> s.put(key(1), value(1, 9))).as("past the bound, a write needing room fails at"
                    + " once").isInstanceOf(StoreException.class).hasMessageContaining("lsm.failingStallMillis");
            assertThat((System.nanoTime() - again) / 1_000_000).isLessThan(300);
            disk.clearFaults();
            // Writes needing room fail until the backed-off retry succeeds: within the longest back-off.
            long freed = System.nanoTime();
            while (true) {
                try {
                    s.put(key(acked % 400), value(acked, 1));
                    break;
                } catch (StoreException e) {
                    assertThat((System.nanoTime() - freed) / 1_000_000).as("space is back; the retry is due")
                            .isLessThan(Maintenance.MAX_BACKOFF_MILLIS + 2000);
                    Thread.sleep(5);
                }
            }
            for (int i = acked + 1; i < acked + 1000; i++) {
                s.put(key(i % 400), value(i, 1)); // none fails any more
            }
            assertThat(s.stats().flushes.get()).isPositive();
            s.verify();
            int last = acked + 1000;
            for (int i = last - 400; i < last; i++) {
                assertThat(s.get(key(i % 400))).isEqualTo(value(i, 1));
            }
        }
    }

    /**
     * A flush whose manifest edit cannot be written leaves the log alone: records acknowledged while flushes fail
     * (several log segments of them) survive a crash, from the log alone.
     */
    @Test
    void theLogIsNotTruncatedForFlushesThatDidNotCompleteAndACrashLosesNothingAcknowledged() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        String[] props = {"lsm.memtableBytes", "131072", "lsm.maxImmutableMemtables", "2", "wal.segmentBytes",
                "65536"};
        int acked = 0;
        try (LsmStore s = Stores.open(disk, false, props)) {
            disk.inject(FaultRule.fromNthCall(DiskOp.WRITE, ".*manifest-.*", 1));
            byte[] big = new byte[200];
            for (int i = 0; i < 5000; i++) {
                big[0] = (byte) i;
                big[1] = (byte) (i >> 8);
                try {
                    s.put(key(i), big.clone());
                    acked = i + 1;
                } catch (StoreException e) {
                    assertThat(e).hasMessageContaining("write not logged");
                    break;
                }
            }
            assertThat(s.stats().flushes.get()).as("every flush failed").isZero();
            assertThat(s.view().immutables()).as("flushes were due").isNotEmpty();
            assertThat(s.wal.segmentStarts().length).as("the log rolled: whole segments could be truncated")
                    .isGreaterThan(3);
            assertThat(s.wal.firstLsn()).as("nothing truncated").isEqualTo(1);
            disk.clearFaults();
        } catch (StoreException closeFailure) {
            // close on the full disk may fail; the crash below is what is checked
        }
        for (long seed = 0; seed < 2; seed++) {
            try (LsmStore s = Stores.open(disk.crash(seed), false, props)) {
                s.verify();
                for (int i = 0; i < acked; i++) {
                    byte[] v = s.get(key(i));
                    assertThat(v).as("acknowledged key " + i + " after a crash, seed " + seed).isNotNull();
                    assertThat(v[0]).isEqualTo((byte) i);
                    assertThat(v[1]).isEqualTo((byte) (i >> 8));
                }
            }
        }
    }

    /** No table file is left that the manifest does not name: partial outputs of failed work were deleted. */
    private static void assertOnlyLiveTables(LsmStore s, SimulatedDisk disk) throws java.io.IOException {
        Set<Long> live = new HashSet<>();
        s.versions.current().allFiles().forEach(f -> live.add(f.number));
        for (String name : disk.list(DIR)) {
            long n = LsmFormat.sstNumber(name);
            if (n >= 0) {
                assertThat(live).as(name + " is live (or was deleted as an obsolete input)").contains(n);
            }
        }
    }
}
