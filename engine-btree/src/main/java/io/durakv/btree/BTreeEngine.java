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
