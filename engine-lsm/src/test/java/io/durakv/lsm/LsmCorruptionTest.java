package io.durakv.lsm;

import io.durakv.api.testkit.CorruptionSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * Corruption fuzzing on a closed LSM store (flushes and compactions on the writing thread): SSTables over several
 * levels, a manifest generation with its {@code CURRENT} pointer, and the log. Strict: no damage is excused
 * ({@link LostLogTailTest} is the case the first runs found).
 */
class LsmCorruptionTest extends CorruptionSuite {

    /**
     * A 16 KiB memtable, L0 trigger 2, 32 KiB L1, 16 KiB output tables and a 256-byte manifest rewrite threshold: the
     * content flushes, compacts and rewrites its manifest many times, yet leaves few enough tables that the log
     * segments (with the records after the last flush: close does not flush) and the manifest get their share of tries.
     */
    static final Map<String, String> PROPERTIES = Map.of("lsm.memtableBytes", "16384", "lsm.level0Trigger", "2",
            "lsm.levelBaseBytes", "32768", "lsm.targetFileBytes", "16384", "lsm.manifestRewriteBytes", "256",
            "wal.segmentBytes", "65536");

    @Override
    protected StoreFactory factory() {
        return (dir, options) -> LsmStore.open(dir, options, false);
    }

    @Override
    protected String engine() {
        return LsmEngine.NAME;
    }

    @Override
    protected Map<String, String> properties() {
        return PROPERTIES;
    }

    @Override
    protected String kindOf(String relative) {
        if (relative.endsWith(".sst")) {
            return "SSTable";
        }
        if (relative.startsWith("manifest-")) {
            return "manifest log";
        }
        return relative.startsWith("wal/") ? "log segment" : relative;
    }
}
