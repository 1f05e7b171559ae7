package io.durakv.btree;

import io.durakv.api.StoreOptions;
import io.durakv.api.testkit.KeyValueStoreProperties;
import io.durakv.api.testkit.StoreFactory;

/**
 * The stateful property test against a sorted-map model, with tiny pages and checkpoints so that splits, merges,
 * checkpoints and recovery happen within the short histories.
 */
class BTreePropertiesTest extends KeyValueStoreProperties {

    @Override
    protected StoreFactory factory() {
        return new BTreeEngine()::open;
    }

    @Override
    protected StoreOptions.Builder options() {
        return super.options().property("btree.pageBytes", "1024").property("btree.checkpointBytes", "64")
                .property("wal.segmentBytes", "65536");
    }
}
