package io.durakv.btree;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.CrashSuite;
import io.durakv.api.testkit.CrashWorkload;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The crash suite with background checkpoints that overlap many writes: the data file's forces take a millisecond,
 * so while a checkpoint writes and forces the tree it froze, writes go on dropping its nodes, large values and
 * pages, and the power fails anywhere in between — inside the checkpoint's page writes, its forces, its header
 * write, its log truncation, or in the writes around it. Thresholds are tiny so that a short workload runs many.
 */
class BTreeBackgroundCheckpointCrashTest extends CrashSuite {

    @Override
    protected StoreFactory factory() {
        return (dir, options) -> BTreeStore.open(dir,
                options.toBuilder().disk(new SlowForceDisk(options.disk(), 1, BTreeFormat.DATA_FILE)).build());
    }

    @Override
    protected Map<String, String> properties() {
        // Read mappings of 4 pages: most page reads (recovery's included) go through a chunk's mapping.
        return Map.of("btree.pageBytes", "1024", "btree.checkpointBytes", "512", "wal.segmentBytes", "65536",
                "btree.readMappingBytes", "4096");
    }

    /** Values up to 1500 bytes: many are beyond the inline size of a 1 KiB page, so overflow chains churn too. */
    @Override
    protected CrashWorkload workload() {
        return new CrashWorkload(24, 1500);
    }

    /** Fewer random runs than the main crash suite ({@code -Ddurakv.crash.randomRuns} still raises them). */
    @Override
    protected int randomRuns() {
        return Integer.getInteger("durakv.crash.randomRuns", 30);
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
