package io.durakv.bitcask;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.ProcessKillSuite;

import java.util.Map;

/**
 * SIGKILL of a child JVM writing to a Bitcask store (the engine as shipped: merges and hint files on its background
 * thread), SYNC and NONE. The smallest data files (64 KiB) and a merge once a tenth of the sealed bytes is dead, with
 * the suite's values of up to 1.5 KB: each child rotates data files, writes segment hints and runs merges (merged data
 * and hint files, manifest rename, deletions), so kills land inside them and (one kill in five) inside recovery.
 */
class BitcaskProcessKillTest extends ProcessKillSuite {

    static final Map<String, String> SMALL = Map.of("bitcask.fileBytes", "65536", "bitcask.mergeDeadRatio", "0.1");

    @Override
    protected String engine() {
        return BitcaskEngine.NAME;
    }

    @Override
    protected Map<String, String> properties() {
        return SMALL;
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((BitcaskStore) store).verify();
    }
}
