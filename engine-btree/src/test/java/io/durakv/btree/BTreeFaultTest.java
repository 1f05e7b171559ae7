package io.durakv.btree;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.FaultSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The fault suite on the B+tree engine: a checkpoint every 2 KiB of log and 64 KiB segments, so checkpoints (page
 * writes, forces, header writes) and log rotation and truncation (create, directory force, delete) happen in the
 * workload.
 */
class BTreeFaultTest extends FaultSuite {

    @Override
    protected StoreFactory factory() {
        return new BTreeEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("btree.pageBytes", "1024", "btree.checkpointBytes", "2048", "wal.segmentBytes", "65536");
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((BTreeStore) store).verify();
    }
}
