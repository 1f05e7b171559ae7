package io.durakv.btree;

import io.durakv.api.testkit.KeyValueStoreContractTest;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/** The API contract on the B+tree engine as shipped (the shared WAL, the local disk). */
class BTreeContractTest extends KeyValueStoreContractTest {

    @Override
    protected StoreFactory factory() {
        return new BTreeEngine()::open;
    }

    @Override
    protected int maxKeyBytes() {
        return BTreeEngine.maxKeyBytes(BTreeEngine.DEFAULT_PAGE_BYTES);
    }

    @Override
    protected int maxValueBytes() {
        return BTreeEngine.MAX_VALUE_BYTES;
    }

    @Override
    protected Map<String, String> invalidPropertyValues() {
        return Map.of("btree.pageBytes", "3000", "btree.checkpointBytes", "-1", "btree.cacheBytes", "x",
                "wal.segmentBytes", "1");
    }
}
