package io.durakv.btree;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.CrashSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The crash suite on the B+tree engine as shipped, every sync mode. Thresholds are tiny so that checkpoints (with
 * their page writes, forces, header writes and log truncation), node splits and merges, overflow chains and log
 * segment rotation all happen inside the short workloads, and crash points fall inside each of them.
 */
class BTreeCrashTest extends CrashSuite {

    @Override
    protected StoreFactory factory() {
        return new BTreeEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("btree.pageBytes", "1024", "btree.checkpointBytes", "1024", "wal.segmentBytes", "65536");
    }

    @Override
    protected int enumeratedSeeds() {
        return 4;
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((BTreeStore) store).verify();
    }
}
