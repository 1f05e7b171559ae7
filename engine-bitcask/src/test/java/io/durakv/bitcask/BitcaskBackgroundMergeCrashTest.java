package io.durakv.bitcask;

import java.util.Map;

/**
 * The crash suite with merges and hint files written by the background thread, as shipped: crash points then fall
 * wherever the background work happens to be when the power fails, concurrently with the writers. Fewer runs than
 * {@link BitcaskCrashTest}, whose structural work on the writing thread makes every crash point reproducible.
 */
class BitcaskBackgroundMergeCrashTest extends CountingCrashSuite {

    @Override
    protected Map<String, String> properties() {
        return Map.of("bitcask.fileBytes", "65536", "bitcask.mergeDeadRatio", "0.1");
    }

    @Override
    protected int randomRuns() {
        return Math.max(1, super.randomRuns() / 8);
    }
}
