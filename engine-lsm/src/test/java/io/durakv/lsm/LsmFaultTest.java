package io.durakv.lsm;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.FaultSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The fault suite on the LSM engine with flushes and compactions on the writing thread (so the n-th call of a kind is
 * the same call in every run) and {@link LsmCrashTest}'s thresholds: flushes (table write, forces, manifest edit, log
 * truncation), compactions, obsolete-table deletion and manifest rewrites (create, rename of {@code CURRENT}, delete
 * of the old generation, directory forces) all run inside the 80-operation workload and its reopen. The store keeps
 * working after a full disk without a reopen (the suite's default {@code keepsWorkingAfterNoSpace()}): failed flushes
 * and compactions back off and retry (lsm.md, "Failures").
 */
class LsmFaultTest extends FaultSuite {

    @Override
    protected StoreFactory factory() {
        return (dir, options) -> LsmStore.open(dir, options, false);
    }

    @Override
    protected Map<String, String> properties() {
        return LsmCrashTest.SMALL;
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((LsmStore) store).verify();
    }
}
