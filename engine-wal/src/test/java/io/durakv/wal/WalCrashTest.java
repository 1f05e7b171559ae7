package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Random;

import static io.durakv.wal.WalCrashWorkload.DIR;
import static io.durakv.wal.WalTesting.record;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The log against simulated power loss: a crash after every mutating disk call of a workload with rotations,
 * truncations, syncs and clean reopens; crashes inside recovery; many crash-recover cycles; and a failed force
 * followed by a reopen and a crash. Every failure message names the mode, seed and crash point that reproduce it.
 */
class WalCrashTest {

    private static final long WORKLOAD_SEED = 20_24;
    private static final int STEPS = 90;
    private static final int IMAGES_PER_POINT = 3;
    private static final int RANDOM_RUNS = Math.max(10, Integer.getInteger("durakv.crash.randomRuns", 200) / 4);

    private static WalCrashWorkload workload(SyncMode mode, boolean preallocate) {
        WalCrashWorkload w = new WalCrashWorkload(mode, WORKLOAD_SEED, STEPS);
        w.preallocate = preallocate;
        return w;
    }

    private static long mutatingCallsOf(SyncMode mode, boolean preallocate) {
        SimulatedDisk disk = new SimulatedDisk();
        WalCrashWorkload w = workload(mode, preallocate);
        w.run(disk);
        assertThat(w.completed).as("%s runs to its end without a power loss", w).isTrue();
        // With preallocation, truncation hands segment files to rotation for reuse (a rename out of the log, a
        // rename back in): the crash points then fall inside recycling too, and recovery meets recycled segments
        // with stale tails. Without preallocation nothing is recycled.
        long renames = disk.calls(io.durakv.api.io.DiskOp.RENAME);
        if (preallocate) {
            assertThat(renames).as("renames (segment recycling) in %s", w).isGreaterThanOrEqualTo(2);
        } else {
            assertThat(renames).as("renames in %s", w).isZero();
        }
        return disk.mutatingCalls();
    }

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void everyCrashPointOfAWorkloadRecoversToAPrefixWithEveryPromisedRecord(SyncMode mode) {
        for (boolean preallocate : new boolean[]{true, false}) {
            long total = mutatingCallsOf(mode, preallocate);
            assertThat(total).isGreaterThan(50);
            for (long k = 0; k <= total; k++) {
                SimulatedDisk disk = new SimulatedDisk();
                disk.powerLossAfter(k);
                WalCrashWorkload w = workload(mode, preallocate);
                w.run(disk);
                for (long imageSeed = 0; imageSeed < IMAGES_PER_POINT; imageSeed++) {
                    String context = w + ", power lost after " + k + " mutating calls, crash image seed " + imageSeed;
                    SimulatedDisk image = disk.crash(imageSeed);
                    List<WalTesting.Entry> recovered = w.checkRecovery(image, context);
                    if (imageSeed == 0) {
                        crashInsideRecoveryChangesNothing(w, image, recovered, context);
                        w.checkUsableAfterRecovery(image, context);
                    }
                }
            }
        }
    }

    /**
     * Power lost after each mutating call recovery makes, then a crash image of that, then recovery again: it must
     * find exactly the records the uninterrupted recovery found.
     */
    private static void crashInsideRecoveryChangesNothing(WalCrashWorkload w, SimulatedDisk image,
                                                          List<WalTesting.Entry> expected, String context) {
        SimulatedDisk probe = image.crash(0);
        long before = probe.mutatingCalls();
        WriteAheadLog.open(DIR, w.options(probe)).close();
        long recoveryCalls = probe.mutatingCalls() - before;
        for (long j = 0; j < recoveryCalls; j++) {
            SimulatedDisk interrupted = image.crash(0);
            interrupted.powerLossAfter(j);
            try {
                WriteAheadLog.open(DIR, w.options(interrupted)).close();
            } catch (StoreException expectedPowerLoss) {
                // the recovery (or the close after it) hit the power loss
            }
            for (long seed = 0; seed < 2; seed++) {
                String again = context + ", then power lost after " + j + " calls of recovery, image seed " + seed;
                List<WalTesting.Entry> second = w.checkRecovery(interrupted.crash(seed), again);
                assertThat(WalTesting.lsns(second)).as(again).isEqualTo(WalTesting.lsns(expected));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void manyCrashRecoverCyclesKeepEveryPromise(SyncMode mode) {
        Random random = new Random(WORKLOAD_SEED * 31 + mode.ordinal());
        for (int run = 0; run < RANDOM_RUNS; run++) {
            long runSeed = random.nextLong();
            Random r = new Random(runSeed);
            WalCrashWorkload w = new WalCrashWorkload(mode, runSeed, 50);
            w.preallocate = r.nextBoolean();
            SimulatedDisk disk = new SimulatedDisk();
            for (int cycle = 0; cycle < 4; cycle++) {
                disk.powerLossAfter(r.nextInt(250));
                w.run(disk);
                long imageSeed = r.nextLong();
                String context = w + ", run " + run + ", cycle " + cycle + ", image seed " + imageSeed;
                SimulatedDisk image = disk.crash(imageSeed);
                List<WalTesting.Entry> recovered = w.checkRecovery(image, context);
                long last = recovered.isEmpty() ? w.acknowledged : recovered.get(recovered.size() - 1).lsn();
                if (recovered.isEmpty()) {
                    try (WriteAheadLog log = WriteAheadLog.open(DIR, w.options(image.crash(0)))) {
                        last = log.lastLsn();
                    }
                }
                w.startFrom(last);
                disk = image;
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void aFailedForceThenReopenThenPowerLossReportsNoCorruption(SyncMode mode) {
        for (int n = 1; n <= 12; n++) {
            SimulatedDisk disk = new SimulatedDisk();
            disk.inject(FaultRule.nthCall(DiskOp.FORCE, "\\.log$", n));
            WalCrashWorkload w = new WalCrashWorkload(mode, WORKLOAD_SEED + n, 40);
            w.run(disk);
            disk.clearFaults();
            // Reopen on the same disk (same process: the page cache holds bytes the failed force marked clean),
            // append and sync, then lose power.
            long next;
            try (WriteAheadLog log = WriteAheadLog.open(DIR, w.options(disk))) {
                w.startFromReopen(log.lastLsn());
                for (int i = 0; i < 5; i++) {
                    next = log.lastLsn() + 1;
                    w.sizes.add(100);
                    assertThat(log.append(record(next, 100))).isEqualTo(next);
                    w.acknowledged = next;
                }
                log.sync();
                w.durable = w.acknowledged;
            }
            for (long seed = 0; seed < 4; seed++) {
                w.checkRecovery(disk.crash(seed), w + ", force " + n + " failed, reopened, image seed " + seed);
            }
        }
    }
}
