package io.durakv.api.testkit;

import io.durakv.api.KeyValueStore;
import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The crash suite every engine runs (crash-testing.md points 4-9): extend it, implement {@link #factory()}, and tune
 * the hooks so that the engine's structural work (rotation, flush, compaction, checkpoint, merge) happens often
 * within the small workloads.
 *
 * <ul>
 *   <li>every crash point: for each sync mode and a few seeds, the power fails after the k-th mutating disk call, for
 *       every k from 0 to the number of calls the whole workload makes (open and close included);</li>
 *   <li>random crash points in long workloads, across several crash-recover cycles;</li>
 *   <li>the same with several writer threads (prefix of an order consistent with each thread's order, no holes);</li>
 *   <li>crashes inside recovery, and an immediate second crash after every recovery (idempotence), in all of them;</li>
 *   <li>the BATCH window: writes acknowledged more than an interval and a force before the crash survive.</li>
 * </ul>
 * A failure names its case; run it alone with {@code -Ddurakv.crash.replay="<case>"} (the text in brackets).
 * {@code -Ddurakv.crash.randomRuns=N} sets the random runs per mode ({@code -Psoak} raises it).
 */
public abstract class CrashSuite {

    /** @return how to open the store under test */
    protected abstract StoreFactory factory();

    /** @return engine properties for every open; small thresholds make structural work frequent */
    protected Map<String, String> properties() {
        return Map.of();
    }

    /** @return the sync modes the engine supports (all three for real engines) */
    protected Set<SyncMode> modes() {
        return EnumSet.allOf(SyncMode.class);
    }

    /** @return the workload generator: key space per thread and largest value padding */
    protected CrashWorkload workload() {
        return new CrashWorkload(16, 400);
    }

    /** Runs the engine's structural check on a recovered store; fails with an exception on damage. */
    protected void checkIntegrity(KeyValueStore store) {
    }

    /** @return operations per enumerated workload */
    protected int enumeratedOps() {
        return 40;
    }

    /** @return how many seeds each mode enumerates every crash point of */
    protected int enumeratedSeeds() {
        return 2;
    }

    /** @return random runs per mode */
    protected int randomRuns() {
        return Integer.getInteger("durakv.crash.randomRuns", 200);
    }

    /** @return the BATCH interval the stores are opened with */
    protected Duration batchInterval() {
        return Duration.ofMillis(20);
    }

    /** @return the harness with this suite's settings */
    protected CrashHarness harness() {
        return new CrashHarness(factory(), properties(), workload(), this::checkIntegrity, batchInterval());
    }

    private static final String REPLAY = System.getProperty("durakv.crash.replay", "");

    @TestFactory
    Stream<DynamicTest> everyCrashPointKeepsTheContract() {
        List<DynamicTest> tests = new ArrayList<>();
        for (SyncMode mode : modes()) {
            for (int s = 1; s <= enumeratedSeeds(); s++) {
                long seed = s * 1_000_003L + mode.ordinal();
                String name = mode + " seed=" + seed + " ops=" + enumeratedOps();
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    CrashHarness h = harness();
                    long points = h.countCrashPoints(mode, seed, enumeratedOps());
                    for (long k = 0; k <= points; k++) {
                        String replay = name + " k=" + k;
                        if (selected(replay)) {
                            run(replay, () -> h.runCrashPoint(mode, seed, enumeratedOps(), kOf(replay)));
                        }
                    }
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> randomCrashesAcrossCrashRecoverCyclesKeepTheContract() {
        return randomRuns(1, 60, 3);
    }

    @TestFactory
    Stream<DynamicTest> randomCrashesWithConcurrentWritersKeepTheContract() {
        return randomRuns(3, 25, 2);
    }

    private Stream<DynamicTest> randomRuns(int threads, int opsPerThread, int cycles) {
        List<DynamicTest> tests = new ArrayList<>();
        int runs = threads == 1 ? randomRuns() : Math.max(1, randomRuns() / 4);
        for (SyncMode mode : modes()) {
            String name = mode + " threads=" + threads + " runs=" + runs;
            tests.add(DynamicTest.dynamicTest(name, () -> {
                CrashHarness h = harness();
                Random seeds = new Random(mode.ordinal() * 7919L + threads);
                for (int r = 0; r < runs; r++) {
                    long seed = seeds.nextLong();
                    String replay = mode + " threads=" + threads + " random seed=" + seed;
                    if (selected(replay)) {
                        run(replay, () -> h.runRandom(mode, seed, threads, opsPerThread, cycles));
                    }
                }
            }));
        }
        return tests.stream();
    }

    /** BATCH: every write acknowledged more than an interval plus one force before a crash is present. */
    @Test
    void batchModeMakesWritesDurableWithinTheInterval() throws InterruptedException {
        if (!modes().contains(SyncMode.BATCH)) {
            return;
        }
        CrashHarness h = harness();
        SimulatedDisk disk = new SimulatedDisk();
        CrashWorkload w = workload();
        List<WorkOp> work = w.generate(new Random(42), 0, 0, 30);
        CrashOracle oracle = new CrashOracle(CrashOracle.newMap(), 1);
        try (KeyValueStore store = factory().open(CrashHarness.DIR, h.options(SyncMode.BATCH, disk))) {
            for (WorkOp op : work) {
                if (op.isWrite()) {
                    CrashOracle.Entry e = oracle.started(0, op);
                    op.executeOn(store);
                    oracle.acked(e);
                }
            }
            // Well past one interval and one force, on a slow and busy machine too.
            Thread.sleep(batchInterval().toMillis() * 25 + 500);
            for (long seed = 0; seed < 20; seed++) {
                SimulatedDisk crashed = disk.crash(seed);
                try (KeyValueStore recovered = factory().open(CrashHarness.DIR, h.options(SyncMode.BATCH, crashed))) {
                    oracle.check(h.readAll(recovered, "BATCH window seed=" + seed, 1), SyncMode.SYNC);
                }
            }
        }
    }

    private static boolean selected(String replay) {
        return REPLAY.isEmpty() || REPLAY.equals(replay);
    }

    private static long kOf(String replay) {
        return Long.parseLong(replay.substring(replay.lastIndexOf("k=") + 2));
    }

    private static void run(String replay, Runnable r) {
        try {
            r.run();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("crash case failed: " + e.getMessage()
                    + "\n  replay alone with: -Ddurakv.crash.replay=\"" + replay + "\"", e);
        }
    }
}
