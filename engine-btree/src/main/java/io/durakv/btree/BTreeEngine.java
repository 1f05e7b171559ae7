package io.durakv.btree;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StorageEngine;
import io.durakv.api.StoreOptions;

import java.nio.file.Path;

/**
 * The {@code "btree"} engine: a copy-on-write B+tree of checksummed pages with shadow-paged checkpoints and the shared
 * write-ahead log ({@link BTreeStore}). Registered for {@link java.util.ServiceLoader}. Properties:
 * {@code btree.pageBytes}, {@code btree.checkpointBytes}, {@code btree.cacheBytes}, {@code wal.segmentBytes}
 * (docs/formats/btree.md). Stateless and thread-safe.
 */
public final class BTreeEngine implements StorageEngine {

    /** The engine's name. */
    public static final String NAME = "btree";

    /** The page size of a new store unless {@code btree.pageBytes} says otherwise: 4 KiB. */
    public static final int DEFAULT_PAGE_BYTES = BTreeFormat.DEFAULT_PAGE_SIZE;

    /** The largest value: 16 MiB. Larger values are rejected with {@link IllegalArgumentException}. */
    public static final int MAX_VALUE_BYTES = BTreeFormat.MAX_VALUE_BYTES;

    /**
     * The largest key of a store with {@code pageBytes}-byte pages: {@code (pageBytes - 28) / 4 - 11}, so that a node
     * always holds at least four entries; 1006 bytes for the default 4 KiB pages, 238 for 1 KiB pages.
     */
    public static int maxKeyBytes(int pageBytes) {
        return BTreeFormat.maxKeyBytes(pageBytes);
    }

    /** Creates the engine (for {@link java.util.ServiceLoader}). */
    public BTreeEngine() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public KeyValueStore open(Path dir, StoreOptions options) {
        return BTreeStore.open(dir, options);
    }
}
