package io.durakv.lsm;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.FaultSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The fault suite with {@link LsmCloseFlushCrashTest}'s settings: every close flushes the memtables, so failed
 * writes, creates, renames and forces fall inside the flushing close too (lsm.md, "Close").
 */
class LsmCloseFlushFaultTest extends FaultSuite {

    @Override
    protected StoreFactory factory() {
        return (dir, options) -> LsmStore.open(dir, options, false);
    }

    @Override
    protected Map<String, String> properties() {
        return LsmCloseFlushCrashTest.PROPERTIES;
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((LsmStore) store).verify();
    }
}
