package io.durakv.lsm;

import io.durakv.api.StoreOptions;
import io.durakv.api.testkit.KeyValueStoreContractTest;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The API contract on the LSM engine, with small memtables, L0 trigger and level sizes so that the contract's bulk
 * tests flush, compact and reopen over SSTables in several levels, not just a memtable.
 */
class LsmContractTest extends KeyValueStoreContractTest {

    @Override
    protected StoreFactory factory() {
        return new LsmEngine()::open;
    }

    @Override
    protected StoreOptions.Builder options() {
        return super.options().property("lsm.memtableBytes", "8192").property("lsm.level0Trigger", "2")
                .property("lsm.levelBaseBytes", "16384").property("lsm.targetFileBytes", "8192");
    }

    @Override
    protected int maxKeyBytes() {
        return LsmEngine.MAX_KEY_BYTES;
    }

    @Override
    protected int maxValueBytes() {
        return LsmEngine.MAX_VALUE_BYTES;
    }

    @Override
    protected Map<String, String> invalidPropertyValues() {
        return Map.of("lsm.memtableBytes", "12", "lsm.level0Trigger", "0", "lsm.levelBaseBytes", "x",
                "lsm.maxOpenFiles", "3", "lsm.bloomBitsPerKey", "99", "wal.segmentBytes", "1");
    }
}
