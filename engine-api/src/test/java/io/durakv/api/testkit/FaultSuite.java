package io.durakv.api.testkit;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.stream.Stream;

import static io.durakv.api.testkit.CrashHarness.DIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fault injection through {@link SimulatedDisk}'s {@link FaultRule}s (durability-contract.md, "Faults that are not
 * crashes"), on a SYNC workload with small thresholds so that flush, compaction, merge, checkpoint, rotation and
 * truncation all run inside it:
 *
 * <ul>
 *   <li><b>every step:</b> the n-th write, force, truncate, create, rename, delete and directory force fails, for every
 *       n the workload and its reopen reach (sampled evenly beyond {@link #maxPointsPerKind()}): the call that sees it
 *       throws {@link StoreException} or the store goes on; after a power loss the recovered store holds every
 *       acknowledged write, and at most the one that failed (checked by {@link CrashOracle}); the same n-th call
 *       failing during recovery fails the open with {@link StoreException}, and the next open recovers;</li>
 *   <li><b>failed force:</b> the write that saw it throws, every later write and {@code sync} fails fast, reads go on,
 *       reopening recovers everything acknowledged;</li>
 *   <li><b>no space:</b> every write and create fails for a while: writes throw, nothing acknowledged is lost; once
 *       space is back, the store works again — without a reopen if {@link #keepsWorkingAfterNoSpace()} (and then a
 *       write that threw is never applied, not even when its key is not written again), else after one.</li>
 * </ul>
 */
public abstract class FaultSuite {

    /** @return how to open the store under test */
    protected abstract StoreFactory factory();

    /** @return engine properties; small thresholds put structural work inside the short workload */
    protected Map<String, String> properties() {
        return Map.of();
    }

    /** @return the workload generator; values up to 8 KB make logs rotate and structural work run often */
    protected CrashWorkload workload() {
        return new CrashWorkload(16, 8000);
    }

    /** @return operations of the workload */
    protected int ops() {
        return 80;
    }

    /** @return the largest number of failure points per kind of call (evenly sampled beyond it) */
    protected int maxPointsPerKind() {
        return Boolean.getBoolean("durakv.soak") ? Integer.MAX_VALUE : 120;
    }

    /**
     * @return whether the store goes on accepting writes once a failed write (no space) is over, without a reopen:
     *         background work (flush, compaction, merge, checkpoint) backs off and retries. {@code false} for an
     *         engine that turns read-only on any failed write; the no-space test then requires a reopen
     */
    protected boolean keepsWorkingAfterNoSpace() {
        return true;
    }

    /** Runs the engine's structural check; fails with an exception on damage. */
    protected void checkIntegrity(KeyValueStore store) {
    }

    private CrashHarness harness() {
        return new CrashHarness(factory(), properties(), workload(), this::checkIntegrity, Duration.ofMillis(20));
    }

    private StoreOptions options(SimulatedDisk disk) {
        return harness().options(SyncMode.SYNC, disk);
    }

    private List<WorkOp> work() {
        return workload().generate(new Random(7), 0, 0, ops());
    }

    @TestFactory
    Stream<DynamicTest> aFailureAtEveryStepLosesNothingAcknowledged() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DiskOp op : List.of(DiskOp.WRITE, DiskOp.FORCE, DiskOp.TRUNCATE, DiskOp.CREATE, DiskOp.RENAME,
                DiskOp.DELETE, DiskOp.FORCE_DIRECTORY)) {
            tests.add(DynamicTest.dynamicTest(op.name(), () -> {
                long calls = countCalls(op);
                int points = 0;
                long step = Math.max(1, calls / Math.max(1, maxPointsPerKind()));
                for (long n = 1; n <= calls; n += step) {
                    failNthCall(op, n);
                    points++;
                }
                System.out.println("fault " + op + ": " + calls + " calls in workload and reopen, " + points
                        + " failure points, 0 acknowledged writes lost");
            }));
        }
        return tests.stream();
    }

    /** @return calls of {@code op} in the workload, its close, and a reopen */
    private long countCalls(DiskOp op) {
        SimulatedDisk disk = new SimulatedDisk();
        try (KeyValueStore s = factory().open(DIR, options(disk))) {
            for (WorkOp o : work()) {
                o.executeOn(s);
            }
        }
        try (KeyValueStore s = factory().open(DIR, options(disk))) {
            s.put(CrashWorkload.key(0, 0), "after".getBytes(StandardCharsets.US_ASCII));
        }
        return disk.calls(op);
    }

    private void failNthCall(DiskOp kind, long n) {
        String where = kind + " call " + n;
        SimulatedDisk disk = new SimulatedDisk();
        disk.inject(FaultRule.nthCall(kind, ".*", n));
        CrashOracle oracle = new CrashOracle(CrashOracle.newMap(), 1);
        CrashHarness h = harness();
        boolean failed = false;
        KeyValueStore s = null;
        try {
            s = factory().open(DIR, options(disk));
            for (WorkOp op : work()) {
                CrashOracle.Entry e = op.isWrite() ? oracle.started(0, op) : null;
                try {
                    op.executeOn(s);
                } catch (StoreException ex) {
                    failed = true;
                    break;
                }
                if (e != null) {
                    oracle.acked(e);
                }
            }
        } catch (StoreException ex) {
            failed = true; // the open failed
        } catch (RuntimeException ex) {
            throw new AssertionError(where + ": " + ex.getClass().getName() + " instead of a StoreException", ex);
        } finally {
            if (s != null) {
                try {
                    s.close();
                } catch (StoreException ex) {
                    failed = true;
                }
            }
        }
        // The fault may also fall in this reopen, inside recovery: then the open fails, and the next one recovers.
        boolean reopenFailed = false;
        if (!failed) {
            try (KeyValueStore again = factory().open(DIR, options(disk))) {
                oracle.check(h.readAll(again, where, 1), SyncMode.SYNC);
            } catch (StoreException ex) {
                reopenFailed = true;
            }
        }
        disk.clearFaults();
        for (long seed = 0; seed < 2; seed++) {
            String at = where + (reopenFailed ? " (during recovery)" : "") + " crash seed " + seed;
            try (KeyValueStore r = factory().open(DIR, options(disk.crash(seed)))) {
                checkIntegrity(r);
                oracle.check(h.readAll(r, at, 1), SyncMode.SYNC);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("[" + at + "] " + e.getMessage(), e);
            }
        }
    }

    @Test
    void failedForceTurnsTheStoreReadOnlyAndReopenRecoversEverythingAcknowledged() {
        SimulatedDisk disk = new SimulatedDisk();
        CrashOracle oracle = new CrashOracle(CrashOracle.newMap(), 1);
        List<WorkOp> work = work();
        KeyValueStore s = factory().open(DIR, options(disk));
        int half = work.size() / 2;
        byte[] someKey = null;
        for (WorkOp op : work.subList(0, half)) {
            CrashOracle.Entry e = op.isWrite() ? oracle.started(0, op) : null;
            op.executeOn(s);
            if (e != null) {
                oracle.acked(e);
                someKey = op.key() != null ? op.key() : someKey;
            }
        }
        disk.inject(FaultRule.fromNthCall(DiskOp.FORCE, ".*", 1));
        WorkOp failing = WorkOp.put(CrashWorkload.key(0, 1), "failing".getBytes(StandardCharsets.US_ASCII));
        oracle.started(0, failing);
        assertThatThrownBy(() -> failing.executeOn(s)).isInstanceOf(StoreException.class);
        disk.clearFaults();
        long before = disk.mutatingCalls();
        assertThatThrownBy(() -> s.put(CrashWorkload.key(0, 2), new byte[]{1})).as("later writes fail fast")
                .isInstanceOf(StoreException.class);
        assertThatThrownBy(s::sync).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> s.delete(CrashWorkload.key(0, 3))).isInstanceOf(StoreException.class);
        assertThat(disk.mutatingCalls()).as("failing fast writes nothing").isEqualTo(before);
        if (someKey != null) {
            byte[] k = someKey;
            s.get(k); // reads go on (any value the oracle allows is checked after reopen)
        }
        try {
            s.close();
        } catch (StoreException e) {
            // close of a failed store reports the failure; it must still release the lock
        }
        for (long seed = 0; seed < 3; seed++) {
            try (KeyValueStore r = factory().open(DIR, options(disk.crash(seed)))) {
                checkIntegrity(r);
                oracle.check(harness().readAll(r, "after a failed force, seed " + seed, 1), SyncMode.SYNC);
            }
        }
    }

    @Test
    void noSpaceFailsWritesLosesNothingAndTheStoreWorksAgainOnceSpaceIsBack() {
        noSpace(workload().generate(new Random(99), 0, 0, 3 * ops()));
    }

    /**
     * As above, over 64 keys with small values: most keys written while the disk is full are not written again
     * afterwards, so a refused write that was applied all the same would show.
     */
    @Test
    void noSpaceWritesThatFailAreNeverAppliedEvenWhenTheirKeysAreNotWrittenAgain() {
        noSpace(new CrashWorkload(64, 400).generate(new Random(98), 0, 0, 3 * ops()));
    }

    private void noSpace(List<WorkOp> work) {
        SimulatedDisk disk = new SimulatedDisk();
        CrashOracle oracle = new CrashOracle(CrashOracle.newMap(), 1);
        KeyValueStore s = factory().open(DIR, options(disk));
        int full = ops();
        int freed = 2 * ops();
        int failedWrites = 0;
        boolean reopened = false;
        for (int i = 0; i < work.size(); i++) {
            if (i == full) {
                disk.inject(FaultRule.fromNthCall(DiskOp.WRITE, ".*", 1));
                disk.inject(FaultRule.fromNthCall(DiskOp.CREATE, ".*", 1));
                disk.inject(FaultRule.fromNthCall(DiskOp.TRUNCATE, ".*", 1));
            }
            if (i == freed) {
                disk.clearFaults();
                if (!keepsWorkingAfterNoSpace()) {
                    try {
                        s.close();
                    } catch (StoreException e) {
                        // the store failed on the full disk; reopening recovers it
                    }
                    s = factory().open(DIR, options(disk));
                    reopened = true;
                }
            }
            WorkOp op = work.get(i);
            CrashOracle.Entry e = op.isWrite() ? oracle.started(0, op) : null;
            try {
                op.executeOn(s);
            } catch (StoreException ex) {
                assertThat(i).as("only writes on the full disk fail: " + ex).isBetween(full, freed - 1);
                failedWrites++;
                if (e != null && keepsWorkingAfterNoSpace()) {
                    // Refused, never logged: it must not turn up later, even when its key is not written again.
                    oracle.failed(0, e);
                }
                continue;
            }
            if (e != null) {
                oracle.acked(e);
            }
        }
        assertThat(failedWrites).as("writes on the full disk fail").isPositive();
        NavigableMap<byte[], byte[]> state = harness().readAll(s, "after space came back", 1);
        oracle.check(state, SyncMode.SYNC);
        s.close();
        for (long seed = 0; seed < 3; seed++) {
            try (KeyValueStore r = factory().open(DIR, options(disk.crash(seed)))) {
                checkIntegrity(r);
                assertThat(CrashOracle.differences(state, harness().readAll(r, "reopen after no space", 1)))
                        .as("reopen after no space" + (reopened ? " (and a reopen to recover)" : "")).isEmpty();
            }
        }
    }
}
