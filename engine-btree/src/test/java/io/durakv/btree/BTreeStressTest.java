package io.durakv.btree;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.StoreFactory;
import io.durakv.api.testkit.StressSuite;

import java.util.Map;

/** The stress suite on the B+tree engine with 1 KiB pages and a checkpoint every 8 KiB of log. */
class BTreeStressTest extends StressSuite {

    @Override
    protected StoreFactory factory() {
        return new BTreeEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("btree.pageBytes", "1024", "btree.checkpointBytes", "8192", "wal.segmentBytes", "65536");
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((BTreeStore) store).verify();
    }
}
