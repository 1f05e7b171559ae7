package io.durakv.lsm;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.CrashSuite;
import io.durakv.api.testkit.StoreFactory;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crash suite on the engine as shipped: flushes and compactions on the background thread, racing the writers
 * (and, with several writer threads, writers stalling for room). Crash points then fall wherever the race puts them,
 * so a failing case may need a few replays; the inline {@link LsmCrashTest} is the reproducible one.
 */
class LsmBackgroundCrashTest extends CrashSuite {

    @Override
    protected StoreFactory factory() {
        return new LsmEngine()::open;
    }

    /** {@link LsmCrashTest#SMALL}; after the power is lost, writes needing room fail at once, not after a second. */
    @Override
    protected Map<String, String> properties() {
        Map<String, String> p = new java.util.HashMap<>(LsmCrashTest.SMALL);
        p.put("lsm.failingStallMillis", "0");
        return Map.copyOf(p);
    }

    @Override
    protected int enumeratedSeeds() {
        return 1;
    }

    @Override
    protected int randomRuns() {
        return Math.max(1, super.randomRuns() / 2);
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((LsmStore) store).verify();
    }

    /** The background thread really flushes and compacts inside these workloads (a run longer than one crash case). */
    @Test
    void backgroundWorkFlushesAndCompactsWithinTheWorkloads() {
        Stats total = LsmCrashTest.runWorkload(factory(), properties(), workload(), 3 * enumeratedOps(), 1_000_003L);
        assertThat(total.flushes.get()).as("flushes").isGreaterThanOrEqualTo(3);
        assertThat(total.compactions.get() + total.trivialMoves.get()).as("compactions").isGreaterThanOrEqualTo(1);
    }
}
