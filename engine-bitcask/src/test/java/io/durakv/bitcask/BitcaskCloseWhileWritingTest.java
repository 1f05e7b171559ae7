package io.durakv.bitcask;

import io.durakv.api.testkit.CloseWhileWritingSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/** Close while writers run, on the Bitcask engine, with small thresholds (review of ApplyOrder, review-sync). */
class BitcaskCloseWhileWritingTest extends CloseWhileWritingSuite {

    @Override
    protected StoreFactory factory() {
        return new BitcaskEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("bitcask.fileBytes", "65536", "bitcask.mergeDeadRatio", "0.1");
    }
}
