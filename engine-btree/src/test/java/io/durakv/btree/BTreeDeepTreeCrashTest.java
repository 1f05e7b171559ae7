package io.durakv.btree;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.CrashSuite;
import io.durakv.api.testkit.CrashWorkload;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The crash suite over a larger key space with small values, so that the tree has tens of leaves under internal nodes
 * and checkpoints write many pages at once, with crash points between them (the other suite's 16 keys per thread fit a
 * few leaves). Deeper trees, internal splits and merges are covered by {@link SpaceAndValuesTest} with verify.
 */
class BTreeDeepTreeCrashTest extends CrashSuite {

    @Override
    protected StoreFactory factory() {
        return new BTreeEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("btree.pageBytes", "1024", "btree.checkpointBytes", "3000", "wal.segmentBytes", "65536");
    }

    @Override
    protected CrashWorkload workload() {
        return new CrashWorkload(400, 160);
    }

    @Override
    protected int enumeratedOps() {
        return 120;
    }

    @Override
    protected int enumeratedSeeds() {
        return 1;
    }

    @Override
    protected int randomRuns() {
        return Math.max(1, super.randomRuns() / 4);
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((BTreeStore) store).verify();
    }
}
