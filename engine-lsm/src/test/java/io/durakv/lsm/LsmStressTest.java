package io.durakv.lsm;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.StoreFactory;
import io.durakv.api.testkit.StressSuite;

import java.util.Map;

/**
 * The stress suite on the LSM engine as shipped (background flushes and compactions, writers stalling for room) with
 * {@link LsmProcessKillTest}'s thresholds, so that flushes, compactions and manifest rewrites run concurrently with
 * the readers, scans and writers.
 */
class LsmStressTest extends StressSuite {

    @Override
    protected StoreFactory factory() {
        return new LsmEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return LsmProcessKillTest.KILL;
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((LsmStore) store).verify();
    }
}
