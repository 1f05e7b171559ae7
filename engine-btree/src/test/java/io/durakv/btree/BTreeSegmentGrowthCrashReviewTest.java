package io.durakv.btree;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.CrashSuite;
import io.durakv.api.testkit.CrashWorkload;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * Review attack: the crash suite tuned so that checkpoints grow {@code btree.db} by whole 64-page segments
 * ({@link FreeSpace#allocate}) inside a short workload — many keys with values up to 4000 bytes (overflow chains of up
 * to four 1 KiB pages that churn on every overwrite), a checkpoint every 256 log bytes — and every page read goes
 * through a one-page read mapping ({@code btree.readMappingBytes} 1025, rounded down to 1024). A power loss anywhere
 * (inside a checkpoint that grew the file, before its header, in recovery) must leave a store that recovers what the
 * sync mode promises and passes {@code verify()}.
 */
class BTreeSegmentGrowthCrashReviewTest extends CrashSuite {

    @Override
    protected StoreFactory factory() {
        return BTreeStore::open;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("btree.pageBytes", "1024", "btree.checkpointBytes", "256", "wal.segmentBytes", "65536",
                "btree.readMappingBytes", "1025");
    }

    @Override
    protected CrashWorkload workload() {
        return new CrashWorkload(64, 4000);
    }

    @Override
    protected int randomRuns() {
        return Integer.getInteger("durakv.crash.randomRuns", 20);
    }

    @Override
    protected int enumeratedSeeds() {
        return 1;
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((BTreeStore) store).verify();
    }
}
