package io.durakv.lsm;

import io.durakv.api.io.SimulatedDisk;
import io.durakv.api.testkit.CorruptionSuite;
import io.durakv.api.testkit.StoreFactory;
import io.durakv.wal.WalOptions;
import io.durakv.wal.WriteAheadLog;

import java.nio.file.Path;
import java.util.Map;

/**
 * Corruption fuzzing on a closed LSM store (flushes and compactions on the writing thread): SSTables over several
 * levels, a manifest generation with its {@code CURRENT} pointer, and the log.
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

    /**
     * The known bug of lsm.md ("Known limitations"; {@link LostLogTailTest}): damage over the last record of the last
     * log segment that reaches on past it, over the clean-close marker, is dropped by the log's recovery as an
     * unforced tail (wal.md, "Limit"), and the LSM engine has no record of where its log ended at close, so the
     * records after the last flush are lost without a {@code CorruptionException}. Only wrong data in exactly this
     * case is excused; everything else stays strict.
     */
    @Override
    protected String knownUndetectable(SimulatedDisk template, String file, long from, long to) {
        Path walDir = DIR.resolve(LsmFormat.WAL_DIR);
        long[] lastRecord = {-1, -1};
        try (WriteAheadLog wal = WriteAheadLog.open(walDir, WalOptions.builder().segmentBytes(65536)
                .disk(template.crash(0)).build())) {
            long[] starts = wal.segmentStarts();
            long lastSegment = starts[starts.length - 1];
            if (!file.equals(LsmFormat.WAL_DIR + "/" + String.format("wal-%020d.log", lastSegment))
                    || wal.lastLsn() < lastSegment) {
                return null;
            }
            wal.replayWithPositions(lastSegment, (position, record) -> {
                lastRecord[0] = position.offset();
                lastRecord[1] = position.offset() + record.length;
            });
        }
        return from <= lastRecord[1] && to > lastRecord[1]
                ? "damage over the last log record and past it (the clean-close marker) is taken for an unforced tail"
                : null;
    }
}
