package io.durakv.lsm;

import io.durakv.api.StoreOptions;
import io.durakv.api.testkit.KeyValueStoreProperties;
import io.durakv.api.testkit.StoreFactory;

/**
 * The stateful property test against a sorted-map model, with a 1 KiB memtable, an L0 trigger of 2 and 2 KiB levels,
 * so that flushes, compactions into several levels, tombstone dropping and recovery happen within short histories.
 */
class LsmPropertiesTest extends KeyValueStoreProperties {

    @Override
    protected StoreFactory factory() {
        return new LsmEngine()::open;
    }

    @Override
    protected StoreOptions.Builder options() {
        return super.options().property("lsm.memtableBytes", "1024").property("lsm.level0Trigger", "2")
                .property("lsm.levelBaseBytes", "2048").property("lsm.targetFileBytes", "1024")
                .property("lsm.manifestRewriteBytes", "2048").property("wal.segmentBytes", "65536");
    }
}
