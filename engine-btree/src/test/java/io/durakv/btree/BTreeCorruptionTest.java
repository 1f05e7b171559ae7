package io.durakv.btree;

import io.durakv.api.testkit.CorruptionSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * Corruption fuzzing on a closed B+tree store with 1 KiB pages (both header slots, tree, overflow and free-list pages
 * in {@code btree.db}) and its log segment.
 */
class BTreeCorruptionTest extends CorruptionSuite {

    @Override
    protected StoreFactory factory() {
        return new BTreeEngine()::open;
    }

    @Override
    protected String engine() {
        return BTreeEngine.NAME;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("btree.pageBytes", "1024", "btree.checkpointBytes", "8192", "wal.segmentBytes", "65536");
    }

    @Override
    protected String kindOf(String relative) {
        if (relative.equals("btree.db")) {
            return "data file";
        }
        return relative.startsWith("wal/") ? "log segment" : relative;
    }
}
