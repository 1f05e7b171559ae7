package io.durakv.btree;

import io.durakv.api.EngineProperties;
import io.durakv.api.StoreOptions;
import io.durakv.wal.WalOptions;

/**
 * The B+tree engine's tuning properties, read and validated from {@link StoreOptions#properties()} (documented in
 * docs/formats/btree.md, "Properties"). Immutable.
 *
 * @param pageBytes       {@code btree.pageBytes}: page size of a new store (a power of two, 1 KiB to 64 KiB); an
 *                        existing store keeps the page size it was created with
 * @param checkpointBytes {@code btree.checkpointBytes}: log bytes written between checkpoints
 * @param cacheBytes      {@code btree.cacheBytes}: memory budget of the buffer pool; dirty nodes beyond half of it
 *                        trigger a checkpoint
 * @param walSegmentBytes {@code wal.segmentBytes}: size at which a log segment rotates
 * @param walMappedWrites {@code wal.mappedWrites}: whether BATCH and NONE logs write through a memory mapping where
 *                        the JVM allows it (default true; {@code WalOptions.mappedWrites})
 * @param readMappingBytes {@code btree.readMappingBytes}: the size of each read mapping of {@code btree.db}
 *                        ({@link PageFile#mapReads}); 0 reads every page with a read call
 */
record BTreeConfig(int pageBytes, long checkpointBytes, long cacheBytes, long walSegmentBytes,
                   boolean walMappedWrites, long readMappingBytes) {

    /** The configuration with mapped log writes and mapped page reads on (the defaults). */
    BTreeConfig(int pageBytes, long checkpointBytes, long cacheBytes, long walSegmentBytes) {
        this(pageBytes, checkpointBytes, cacheBytes, walSegmentBytes, true, DEFAULT_READ_MAPPING_BYTES);
    }

    static final String PAGE_BYTES = "btree.pageBytes";
    static final String CHECKPOINT_BYTES = "btree.checkpointBytes";
    static final String CACHE_BYTES = "btree.cacheBytes";
    static final String WAL_SEGMENT_BYTES = "wal.segmentBytes";
    static final String WAL_MAPPED_WRITES = "wal.mappedWrites";
    static final String READ_MAPPING_BYTES = "btree.readMappingBytes";

    static final long DEFAULT_CHECKPOINT_BYTES = 16L << 20;
    static final long DEFAULT_CACHE_BYTES = 64L << 20;
    static final long DEFAULT_READ_MAPPING_BYTES = 64L << 20;

    /** @throws IllegalArgumentException naming the property, for an unknown property or a bad value */
    static BTreeConfig from(StoreOptions options) {
        EngineProperties p = new EngineProperties("btree", options.properties());
        long pageBytes = p.bytes(PAGE_BYTES, BTreeFormat.DEFAULT_PAGE_SIZE, BTreeFormat.MIN_PAGE_SIZE,
                BTreeFormat.MAX_PAGE_SIZE);
        if (Long.bitCount(pageBytes) != 1) {
            throw new IllegalArgumentException("property " + PAGE_BYTES + " of engine 'btree' must be a power of two"
                    + " between " + BTreeFormat.MIN_PAGE_SIZE + " and " + BTreeFormat.MAX_PAGE_SIZE + ", got '"
                    + options.properties().get(PAGE_BYTES) + "'");
        }
        long checkpointBytes = p.bytes(CHECKPOINT_BYTES, DEFAULT_CHECKPOINT_BYTES, 1, 1L << 40);
        long cacheBytes = p.bytes(CACHE_BYTES, DEFAULT_CACHE_BYTES, 64L << 10, 1L << 40);
        long segmentBytes = p.bytes(WAL_SEGMENT_BYTES, WalOptions.DEFAULT_SEGMENT_BYTES,
                WalOptions.MIN_SEGMENT_BYTES, WalOptions.MAX_SEGMENT_BYTES);
        boolean mappedWrites = p.bool(WAL_MAPPED_WRITES, true);
        long readMappingBytes = p.bytes(READ_MAPPING_BYTES, DEFAULT_READ_MAPPING_BYTES, 0, 1L << 30);
        p.rejectUnknown();
        return new BTreeConfig((int) pageBytes, checkpointBytes, cacheBytes, segmentBytes, mappedWrites,
                readMappingBytes);
    }

    /** @return dirty bytes that trigger a checkpoint */
    long dirtyBudget() {
        return cacheBytes / 2;
    }
}
