package io.durakv.bitcask;

import java.util.Map;

/**
 * The crash suite on the Bitcask engine, every sync mode. Data files are the smallest allowed (64 KiB), values reach
 * 8 KiB and a merge starts once a tenth of the sealed bytes is dead, so that rotation, segment hint files and whole
 * merges (data file, hint file, log force, manifest rename, truncation, deletions) all happen inside the short
 * workloads, and the enumerated crash points fall inside each of them. Structural work runs on the writing thread
 * ({@code bitcask.backgroundMerge=0}) so that every crash point is reproducible from its seed;
 * {@link BitcaskBackgroundMergeCrashTest} runs the same with the background thread.
 */
class BitcaskCrashTest extends CountingCrashSuite {

    @Override
    protected Map<String, String> properties() {
        return Map.of("bitcask.fileBytes", "65536", "bitcask.mergeDeadRatio", "0.1", "bitcask.backgroundMerge", "0");
    }

    @Override
    protected int randomRuns() {
        return Math.max(1, super.randomRuns() / 4);
    }
}
