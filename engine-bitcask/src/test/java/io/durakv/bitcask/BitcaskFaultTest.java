package io.durakv.bitcask;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.FaultSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The fault suite on the Bitcask engine with merges and hint writes on the writing thread
 * ({@code bitcask.backgroundMerge=0}, so the n-th call of a kind is the same call in every run), 64 KiB data files and
 * a merge once a tenth of the sealed bytes is dead: rotations, segment hints, merges (merged data and hint files,
 * manifest rename, log truncation, deletions) and the partial hint at close all run in the workload and its reopen.
 */
class BitcaskFaultTest extends FaultSuite {

    static final Map<String, String> INLINE = Map.of("bitcask.fileBytes", "65536", "bitcask.mergeDeadRatio", "0.1",
            "bitcask.backgroundMerge", "0");

    @Override
    protected StoreFactory factory() {
        return new BitcaskEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return INLINE;
    }

    /**
     * A failed write, create or rename (a full disk) fails only the writes whose log append failed; merges and hint
     * files back off and retry, so the store works again once space is back, without a reopen (bitcask.md,
     * "Failures").
     */
    @Override
    protected boolean keepsWorkingAfterNoSpace() {
        return true;
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((BitcaskStore) store).verify();
    }
}
