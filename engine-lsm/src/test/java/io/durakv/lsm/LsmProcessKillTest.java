package io.durakv.lsm;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.ProcessKillSuite;

import java.util.Map;

/**
 * SIGKILL of a child JVM writing to an LSM store (the engine as shipped: flushes and compactions on its background
 * thread), SYNC and NONE. A 4 KiB memtable, an L0 trigger of 2, a 4 KiB L1, 2 KiB output tables, a 256-byte manifest
 * rewrite threshold and 64 KiB log segments: each child flushes, compacts, rewrites its manifest and truncates its log
 * many times, so kills land inside those protocols and (one kill in five) inside recovery.
 */
class LsmProcessKillTest extends ProcessKillSuite {

    static final Map<String, String> KILL = Map.of("lsm.memtableBytes", "4096", "lsm.level0Trigger", "2",
            "lsm.levelBaseBytes", "4096", "lsm.targetFileBytes", "2048", "lsm.manifestRewriteBytes", "256",
            "wal.segmentBytes", "65536");

    @Override
    protected String engine() {
        return LsmEngine.NAME;
    }

    @Override
    protected Map<String, String> properties() {
        return KILL;
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((LsmStore) store).verify();
    }
}
