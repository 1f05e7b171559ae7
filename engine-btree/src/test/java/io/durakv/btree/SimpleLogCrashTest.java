package io.durakv.btree;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.CrashSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The crash suite on the B+tree over {@link SimpleLog}: isolates the tree's checkpoint protocol (shadow pages, header
 * slots, free-space reuse, recovery) from the shared WAL, whose own suite covers it.
 */
class SimpleLogCrashTest extends CrashSuite {

    @Override
    protected StoreFactory factory() {
        return (dir, options) -> BTreeStore.open(dir, options, SimpleLog::open);
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("btree.pageBytes", "1024", "btree.checkpointBytes", "2048");
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((BTreeStore) store).verify();
    }

    @Override
    protected int randomRuns() {
        return Math.min(super.randomRuns(), 60);
    }
}
