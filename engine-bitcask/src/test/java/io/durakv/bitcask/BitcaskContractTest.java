package io.durakv.bitcask;

import io.durakv.api.testkit.KeyValueStoreContractTest;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/** The API contract on the Bitcask engine as shipped (default properties, the local disk). */
class BitcaskContractTest extends KeyValueStoreContractTest {

    @Override
    protected StoreFactory factory() {
        return new BitcaskEngine()::open;
    }

    @Override
    protected int maxKeyBytes() {
        return BitcaskEngine.MAX_KEY_BYTES;
    }

    @Override
    protected int maxValueBytes() {
        return BitcaskEngine.MAX_VALUE_BYTES;
    }

    @Override
    protected Map<String, String> invalidPropertyValues() {
        return Map.of("bitcask.fileBytes", "1000", "bitcask.mergeDeadRatio", "1.5", "bitcask.backgroundMerge", "2",
                "wal.segmentBytes", "65536");
    }
}
