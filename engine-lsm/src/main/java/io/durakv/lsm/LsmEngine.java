package io.durakv.lsm;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StorageEngine;
import io.durakv.api.StoreOptions;

import java.nio.file.Path;

/**
 * The {@code "lsm"} engine: a log-structured merge tree with memtables, leveled SSTables with bloom filters and a
 * block cache, a manifest, and the shared write-ahead log ({@link LsmStore}). Registered for
 * {@link java.util.ServiceLoader}. Properties (docs/formats/lsm.md): {@code lsm.memtableBytes},
 * {@code lsm.maxImmutableMemtables}, {@code lsm.level0Trigger}, {@code lsm.level0StopTrigger},
 * {@code lsm.levelBaseBytes}, {@code lsm.targetFileBytes}, {@code lsm.blockCacheBytes}, {@code lsm.maxOpenFiles},
 * {@code lsm.blockBytes}, {@code lsm.bloomBitsPerKey}, {@code lsm.manifestRewriteBytes}, {@code wal.segmentBytes}.
 * Stateless and thread-safe.
 */
public final class LsmEngine implements StorageEngine {

    /** The engine's name. */
    public static final String NAME = "lsm";
    /** The largest key: 4 KiB. Larger keys are rejected with {@link IllegalArgumentException}. */
    public static final int MAX_KEY_BYTES = LsmFormat.MAX_KEY_BYTES;
    /** The largest value: 16 MiB. Larger values are rejected with {@link IllegalArgumentException}. */
    public static final int MAX_VALUE_BYTES = LsmFormat.MAX_VALUE_BYTES;

    /** Creates the engine (for {@link java.util.ServiceLoader}). */
    public LsmEngine() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public KeyValueStore open(Path dir, StoreOptions options) {
        return LsmStore.open(dir, options);
    }
}
