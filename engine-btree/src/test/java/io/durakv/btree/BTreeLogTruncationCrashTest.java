package io.durakv.btree;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.CrashSuite;
import io.durakv.api.testkit.CrashWorkload;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The crash suite with values up to 8 KiB, so that the log rotates its 64 KiB segments within a run and checkpoints
 * truncate it: crash points fall inside segment deletion after a checkpoint's header, and values span overflow chains
 * of several pages.
 */
class BTreeLogTruncationCrashTest extends CrashSuite {

    @Override
    protected StoreFactory factory() {
        return new BTreeEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("btree.pageBytes", "1024", "btree.checkpointBytes", "8192", "wal.segmentBytes", "65536");
    }

    @Override
    protected CrashWorkload workload() {
        return new CrashWorkload(16, 8000);
    }

    @Override
    protected int enumeratedOps() {
        return 80; // two to three segments of log, one or two of them deleted by checkpoints
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
