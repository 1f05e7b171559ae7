package io.durakv.bitcask;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.StoreFactory;
import io.durakv.api.testkit.StressSuite;

import java.util.Map;

/**
 * The stress suite on the Bitcask engine as shipped (merges and hint writes on the background thread) with 64 KiB
 * data files and a merge once a tenth of the sealed bytes is dead, so rotations and merges run concurrently with the
 * readers, scans and writers.
 */
class BitcaskStressTest extends StressSuite {

    @Override
    protected StoreFactory factory() {
        return new BitcaskEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return BitcaskProcessKillTest.SMALL;
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((BitcaskStore) store).verify();
    }
}
