package io.durakv.lsm;

import io.durakv.api.KeyValueStore;
import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import io.durakv.api.testkit.CrashHarness;
import io.durakv.api.testkit.CrashSuite;
import io.durakv.api.testkit.CrashWorkload;
import io.durakv.api.testkit.StoreFactory;
import io.durakv.api.testkit.WorkOp;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crash suite on the LSM engine, every sync mode, with flushes and compactions run on the writing thread (so
 * every crash point is reproducible from its seed). The 1 KiB memtable, L0 trigger of 2, 2 KiB L1 and 256-byte manifest
 * rewrite threshold make flushes (with their table write, forces, manifest edit and log truncation), L0 and deeper
 * compactions, tombstone dropping and manifest rewrites happen many times inside the 40-operation workloads, so crash
 * points fall between every step of each protocol and inside recovery's own flushes.
 */
class LsmCrashTest extends CrashSuite {

    static final Map<String, String> SMALL = Map.of("lsm.memtableBytes", "1024", "lsm.level0Trigger", "2",
            "lsm.levelBaseBytes", "2048", "lsm.targetFileBytes", "1024", "lsm.manifestRewriteBytes", "256",
            "wal.segmentBytes", "65536");

    @Override
    protected StoreFactory factory() {
        return (dir, options) -> LsmStore.open(dir, options, false);
    }

    @Override
    protected Map<String, String> properties() {
        return SMALL;
    }

    @Override
    protected int enumeratedSeeds() {
        return 4;
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((LsmStore) store).verify();
    }

    /** The workloads above really do the structural work whose crash points the suite claims to cover. */
    @Test
    void workloadsFlushCompactAndRewriteTheManifest() {
        Stats total = runWorkload(factory(), properties(), workload(), enumeratedOps(), 1_000_003L);
        assertThat(total.flushes.get()).as("flushes").isGreaterThanOrEqualTo(3);
        assertThat(total.compactions.get()).as("compactions").isGreaterThanOrEqualTo(1);
        assertThat(total.manifestRewrites.get()).as("manifest rewrites").isGreaterThanOrEqualTo(1);
        assertThat(total.filesDeleted.get()).as("obsolete tables deleted").isGreaterThanOrEqualTo(1);
    }

    /** Runs {@code ops} operations of the crash workload of {@code seed} on a simulated disk; returns the counters. */
    static Stats runWorkload(StoreFactory factory, Map<String, String> properties, CrashWorkload workload, int ops,
                             long seed) {
        CrashHarness h = new CrashHarness(factory, properties, workload, s -> { }, java.time.Duration.ofMillis(20));
        SimulatedDisk disk = new SimulatedDisk();
        try (LsmStore store = (LsmStore) factory.open(CrashHarness.DIR, h.options(SyncMode.SYNC, disk))) {
            for (WorkOp op : workload.generate(new Random(seed), 0, 0, ops)) {
                if (op.isWrite()) {
                    op.executeOn(store);
                } else {
                    store.sync();
                }
            }
            store.verify();
            System.out.println("structural work of the crash workload " + seed + ": " + store.stats());
            return store.stats();
        }
    }
}
