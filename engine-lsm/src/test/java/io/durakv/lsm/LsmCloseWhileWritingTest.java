package io.durakv.lsm;

import io.durakv.api.testkit.CloseWhileWritingSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/** Close while writers run, on the Lsm engine, with small thresholds (review of ApplyOrder, review-sync). */
class LsmCloseWhileWritingTest extends CloseWhileWritingSuite {

    @Override
    protected StoreFactory factory() {
        return new LsmEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("lsm.memtableBytes", "1024", "lsm.maxImmutableMemtables", "1");
    }
}
