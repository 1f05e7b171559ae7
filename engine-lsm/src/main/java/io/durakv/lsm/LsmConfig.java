package io.durakv.lsm;

import io.durakv.api.EngineProperties;
import io.durakv.api.StoreOptions;
import io.durakv.wal.WalOptions;

/**
 * The LSM engine's tuning properties, read and validated from {@link StoreOptions#properties()} (documented in
 * docs/formats/lsm.md, "Properties"). Immutable.
 *
 * @param memtableBytes        {@code lsm.memtableBytes}: memtable size that makes it immutable and flushed
 * @param maxImmutables        {@code lsm.maxImmutableMemtables}: immutable memtables waiting for flush before writes
 *                             stall
 * @param level0Trigger        {@code lsm.level0Trigger}: L0 files that start an L0 compaction
 * @param level0StopTrigger    {@code lsm.level0StopTrigger}: L0 files at which flushes wait for compaction (and so,
 *                             once the immutable memtables are full, writes stall)
 * @param levelBaseBytes       {@code lsm.levelBaseBytes}: target size of L1; each deeper level is 10 times larger
 * @param targetFileBytes      {@code lsm.targetFileBytes}: size at which a compaction output file is cut
 * @param blockCacheBytes      {@code lsm.blockCacheBytes}: block cache capacity
 * @param maxOpenFiles         {@code lsm.maxOpenFiles}: SSTables kept open by the table cache
 * @param blockBytes           {@code lsm.blockBytes}: SSTable data block size
 * @param bloomBitsPerKey      {@code lsm.bloomBitsPerKey}: bloom filter bits per key (1 to 32)
 * @param manifestRewriteBytes {@code lsm.manifestRewriteBytes}: manifest log bytes after which it is rewritten
 * @param walSegmentBytes      {@code wal.segmentBytes}: size at which a log segment rotates
 * @param failingStallMillis   {@code lsm.failingStallMillis}: how long after flushes or compactions began failing
 *                             (no space) a write that needs room for the memtable throws instead of stalling
 * @param closeFlushBytes      {@code lsm.closeFlushBytes}: memtable bytes at or above which close flushes them, so
 *                             that the next open replays at most about this much of the log
 * @param walMappedWrites      {@code wal.mappedWrites}: whether BATCH and NONE logs write through a memory mapping
 *                             where the JVM allows it (default true; {@code WalOptions.mappedWrites})
 * @param mappedReads          {@code lsm.mappedReads}: whether SSTable blocks that miss the block cache are read out of
 *                             a read-only memory mapping of the table where the JVM allows it (default true;
 *                             {@code DiskFile.mapForReading}); false: a read call per block
 */
record LsmConfig(long memtableBytes, int maxImmutables, int level0Trigger, int level0StopTrigger, long levelBaseBytes,
                 long targetFileBytes, long blockCacheBytes, int maxOpenFiles, int blockBytes, int bloomBitsPerKey,
                 long manifestRewriteBytes, long walSegmentBytes, long failingStallMillis, long closeFlushBytes,
                 boolean walMappedWrites, boolean mappedReads) {

    /** The configuration with mapped log writes and table reads on (the default). */
    LsmConfig(long memtableBytes, int maxImmutables, int level0Trigger, int level0StopTrigger, long levelBaseBytes,
              long targetFileBytes, long blockCacheBytes, int maxOpenFiles, int blockBytes, int bloomBitsPerKey,
              long manifestRewriteBytes, long walSegmentBytes, long failingStallMillis, long closeFlushBytes) {
        this(memtableBytes, maxImmutables, level0Trigger, level0StopTrigger, levelBaseBytes, targetFileBytes,
                blockCacheBytes, maxOpenFiles, blockBytes, bloomBitsPerKey, manifestRewriteBytes, walSegmentBytes,
                failingStallMillis, closeFlushBytes, true, true);
    }

    static final String MEMTABLE_BYTES = "lsm.memtableBytes";
    static final String MAX_IMMUTABLES = "lsm.maxImmutableMemtables";
    static final String LEVEL0_TRIGGER = "lsm.level0Trigger";
    static final String LEVEL0_STOP_TRIGGER = "lsm.level0StopTrigger";
    static final String LEVEL_BASE_BYTES = "lsm.levelBaseBytes";
    static final String TARGET_FILE_BYTES = "lsm.targetFileBytes";
    static final String BLOCK_CACHE_BYTES = "lsm.blockCacheBytes";
    static final String MAX_OPEN_FILES = "lsm.maxOpenFiles";
    static final String BLOCK_BYTES = "lsm.blockBytes";
    static final String BLOOM_BITS_PER_KEY = "lsm.bloomBitsPerKey";
    static final String MANIFEST_REWRITE_BYTES = "lsm.manifestRewriteBytes";
    static final String WAL_SEGMENT_BYTES = "wal.segmentBytes";
    static final String WAL_MAPPED_WRITES = "wal.mappedWrites";
    static final String MAPPED_READS = "lsm.mappedReads";
    static final String FAILING_STALL_MILLIS = "lsm.failingStallMillis";
    static final String CLOSE_FLUSH_BYTES = "lsm.closeFlushBytes";

    /** @throws IllegalArgumentException naming the property, for an unknown property or a bad value */
    static LsmConfig from(StoreOptions options) {
        EngineProperties p = new EngineProperties("lsm", options.properties());
        long memtable = p.bytes(MEMTABLE_BYTES, 32L << 20, 1024, 1L << 30);
        long immutables = p.longValue(MAX_IMMUTABLES, 3, 1, 16);
        long trigger = p.longValue(LEVEL0_TRIGGER, 4, 1, 1000);
        long stop = p.longValue(LEVEL0_STOP_TRIGGER, Math.max(12, 3 * trigger), 1, 10_000);
        if (stop < trigger) {
            throw new IllegalArgumentException("property " + LEVEL0_STOP_TRIGGER + " of engine 'lsm' must be at least "
                    + LEVEL0_TRIGGER + " (" + trigger + "), got '" + stop + "'");
        }
        long base = p.bytes(LEVEL_BASE_BYTES, 128L << 20, 1024, 1L << 40);
        long target = p.bytes(TARGET_FILE_BYTES, 8L << 20, 1024, 1L << 32);
        long cache = p.bytes(BLOCK_CACHE_BYTES, 8L << 20, 0, 1L << 40);
        long openFiles = p.longValue(MAX_OPEN_FILES, 500, 2, 1_000_000);
        if (openFiles < stop + LsmFormat.LEVELS + 2) {
            // A scan pins one table per L0 file and one per deeper level; a compaction all L0 files and two more.
            throw new IllegalArgumentException("property " + MAX_OPEN_FILES + " of engine 'lsm' must be at least "
                    + LEVEL0_STOP_TRIGGER + " + " + (LsmFormat.LEVELS + 2) + " = " + (stop + LsmFormat.LEVELS + 2)
                    + ", got '" + openFiles + "'");
        }
        long block = p.bytes(BLOCK_BYTES, 4096, 256, 1L << 20);
        long bloom = p.longValue(BLOOM_BITS_PER_KEY, 10, 1, 32);
        long manifest = p.bytes(MANIFEST_REWRITE_BYTES, 1L << 20, 256, 1L << 30);
        long segment = p.bytes(WAL_SEGMENT_BYTES, WalOptions.DEFAULT_SEGMENT_BYTES, WalOptions.MIN_SEGMENT_BYTES,
                WalOptions.MAX_SEGMENT_BYTES);
        long failingStall = p.longValue(FAILING_STALL_MILLIS, 1000, 0, 3_600_000);
        long closeFlush = p.bytes(CLOSE_FLUSH_BYTES, 1L << 20, 0, 1L << 40);
        boolean mappedWrites = p.bool(WAL_MAPPED_WRITES, true);
        boolean mappedReads = p.bool(MAPPED_READS, true);
        p.rejectUnknown();
        return new LsmConfig(memtable, (int) immutables, (int) trigger, (int) stop, base, target, cache,
                (int) openFiles, (int) block, (int) bloom, manifest, segment, failingStall, closeFlush, mappedWrites,
                mappedReads);
    }

    /** @return the size limit of level {@code level >= 1}: levelBaseBytes times 10 per level below L1 */
    long maxBytesForLevel(int level) {
        long limit = levelBaseBytes;
        for (int l = 1; l < level; l++) {
            limit = limit > Long.MAX_VALUE / LsmFormat.LEVEL_RATIO ? Long.MAX_VALUE : limit * LsmFormat.LEVEL_RATIO;
        }
        return limit;
    }

    SstOptions sstOptions() {
        return SstOptions.defaults().withBlockBytes(blockBytes).withBloomBitsPerKey(bloomBitsPerKey);
    }
}
