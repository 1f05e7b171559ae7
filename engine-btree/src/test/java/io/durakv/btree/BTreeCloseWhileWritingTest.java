package io.durakv.btree;

import io.durakv.api.testkit.CloseWhileWritingSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/** Close while writers run, on the BTree engine, with small thresholds (review of ApplyOrder, review-sync). */
class BTreeCloseWhileWritingTest extends CloseWhileWritingSuite {

    @Override
    protected StoreFactory factory() {
        return new BTreeEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        // Read mappings of 16 pages: reads racing close run into closing mappings (on Java 22+).
        return Map.of("btree.checkpointBytes", "4096", "btree.readMappingBytes", "65536");
    }
}
