package io.durakv.btree;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.ProcessKillSuite;

import java.util.Map;

/**
 * SIGKILL of a child JVM writing to a B+tree store, SYNC and NONE. A checkpoint every 4 KiB of log and 64 KiB log
 * segments, so each child checkpoints, rotates and truncates its log many times and kills land inside them.
 */
class BTreeProcessKillTest extends ProcessKillSuite {

    @Override
    protected String engine() {
        return BTreeEngine.NAME;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("btree.pageBytes", "1024", "btree.checkpointBytes", "4096", "wal.segmentBytes", "65536");
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((BTreeStore) store).verify();
    }
}
