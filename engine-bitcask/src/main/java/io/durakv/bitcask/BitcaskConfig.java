package io.durakv.bitcask;

import io.durakv.api.EngineProperties;
import io.durakv.api.StoreOptions;
import io.durakv.wal.WalOptions;

/**
 * The Bitcask engine's tuning properties, read and validated from {@link StoreOptions#properties()} (documented in
 * docs/formats/bitcask.md, "Properties"). {@code wal.segmentBytes} is not accepted: the data files are the log's
 * segments, so {@code bitcask.fileBytes} is that size, and a second name for it could only disagree. Immutable.
 *
 * @param fileBytes       {@code bitcask.fileBytes}: data file (log segment) size that triggers rotation
 * @param mergeDeadRatio  {@code bitcask.mergeDeadRatio}: dead fraction of the sealed files' bytes that starts a merge
 * @param backgroundMerge {@code bitcask.backgroundMerge}: whether merges and hint files are written by a background
 *                        thread (default) or by the writing thread right after its write (deterministic, for tests)
 * @param cacheBytes      {@code bitcask.cacheBytes}: memory budget of the {@link ValueCache}, 0 for none
 * @param walMappedWrites {@code wal.mappedWrites}: whether BATCH and NONE data files are written through a memory
 *                        mapping where the JVM allows it (default true; {@code WalOptions.mappedWrites})
 * @param walMappedReads  {@code wal.mappedReads}: whether values are read out of data files and merged files through
 *                        read-only memory mappings where the JVM allows it (default true;
 *                        {@code WalOptions.mappedReads}, {@code FramedFile.openReader})
 */
record BitcaskConfig(long fileBytes, double mergeDeadRatio, boolean backgroundMerge, long cacheBytes,
                     boolean walMappedWrites, boolean walMappedReads) {

    /** The configuration with mapped log writes and reads on (the default). */
    BitcaskConfig(long fileBytes, double mergeDeadRatio, boolean backgroundMerge, long cacheBytes) {
        this(fileBytes, mergeDeadRatio, backgroundMerge, cacheBytes, true, true);
    }

    static final String FILE_BYTES = "bitcask.fileBytes";
    static final String MERGE_DEAD_RATIO = "bitcask.mergeDeadRatio";
    static final String BACKGROUND_MERGE = "bitcask.backgroundMerge";
    static final String CACHE_BYTES = "bitcask.cacheBytes";
    static final String WAL_MAPPED_WRITES = "wal.mappedWrites";
    static final String WAL_MAPPED_READS = "wal.mappedReads";

    static final double DEFAULT_MERGE_DEAD_RATIO = 0.5;
    static final long DEFAULT_CACHE_BYTES = 64L << 20;

    /** @throws IllegalArgumentException naming the property, for an unknown property or a bad value */
    static BitcaskConfig from(StoreOptions options) {
        EngineProperties p = new EngineProperties(BitcaskEngine.NAME, options.properties());
        long fileBytes = p.bytes(FILE_BYTES, WalOptions.DEFAULT_SEGMENT_BYTES, WalOptions.MIN_SEGMENT_BYTES,
                WalOptions.MAX_SEGMENT_BYTES);
        double ratio = p.ratio(MERGE_DEAD_RATIO, DEFAULT_MERGE_DEAD_RATIO, 0, 1);
        long background = p.longValue(BACKGROUND_MERGE, 1, 0, 1);
        long cacheBytes = p.bytes(CACHE_BYTES, DEFAULT_CACHE_BYTES, 0, 1L << 40);
        boolean mappedWrites = p.bool(WAL_MAPPED_WRITES, true);
        boolean mappedReads = p.bool(WAL_MAPPED_READS, true);
        p.rejectUnknown();
        return new BitcaskConfig(fileBytes, ratio, background == 1, cacheBytes, mappedWrites, mappedReads);
    }
}
