package io.durakv.bitcask;

import io.durakv.api.testkit.CorruptionSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * Corruption fuzzing on a closed Bitcask store built with {@link BitcaskFaultTest}'s thresholds (merges on the writing
 * thread): sealed and active data files, segment hints (whole and partial), merged data and hint files and the
 * {@code MERGE} manifest.
 */
class BitcaskCorruptionTest extends CorruptionSuite {

    @Override
    protected StoreFactory factory() {
        return new BitcaskEngine()::open;
    }

    @Override
    protected String engine() {
        return BitcaskEngine.NAME;
    }

    @Override
    protected Map<String, String> properties() {
        return BitcaskFaultTest.INLINE;
    }

    @Override
    protected String kindOf(String relative) {
        if (relative.startsWith("data/")) {
            return "data file (log segment)";
        }
        if (relative.startsWith("hint-")) {
            return "segment hint";
        }
        if (relative.startsWith("merge-")) {
            return relative.endsWith(".data") ? "merged data" : "merge hint";
        }
        return relative;
    }
}
