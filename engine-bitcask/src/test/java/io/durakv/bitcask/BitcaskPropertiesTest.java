package io.durakv.bitcask;

import io.durakv.api.StoreOptions;
import io.durakv.api.testkit.KeyValueStoreProperties;
import io.durakv.api.testkit.StoreFactory;

/**
 * The stateful property test against a sorted-map model, with the smallest data files and an eager merge, run on the
 * writing thread so that rotation, hint files, merges and recovery happen within the short histories.
 */
class BitcaskPropertiesTest extends KeyValueStoreProperties {

    @Override
    protected StoreFactory factory() {
        return new BitcaskEngine()::open;
    }

    @Override
    protected StoreOptions.Builder options() {
        return super.options().property("bitcask.fileBytes", "65536").property("bitcask.mergeDeadRatio", "0.05")
                .property("bitcask.backgroundMerge", "0");
    }
}
