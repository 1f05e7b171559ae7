package io.durakv.bitcask;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StorageEngine;
import io.durakv.api.StoreOptions;

import java.nio.file.Path;

/**
 * The {@code "bitcask"} engine: a log-structured hash store ({@link BitcaskStore}) whose data files are the segments
 * of the shared write-ahead log, with an in-memory key directory, hint files and background merges. Registered for
 * {@link java.util.ServiceLoader}. Properties: {@code bitcask.fileBytes}, {@code bitcask.mergeDeadRatio},
 * {@code bitcask.backgroundMerge} (docs/formats/bitcask.md). Stateless and thread-safe.
 */
public final class BitcaskEngine implements StorageEngine {

    /** The engine's name. */
    public static final String NAME = "bitcask";

    /** The largest key: 65 535 bytes (hint files and the key directory store a two-byte length). */
    public static final int MAX_KEY_BYTES = 0xFFFF;

    /**
     * The largest value: 16 MiB. A write must also fit in one record of one data file, so with a small
     * {@code bitcask.fileBytes} the practical limit is lower (rejected with {@link IllegalArgumentException}).
     */
    public static final int MAX_VALUE_BYTES = 16 << 20;

    /** Creates the engine (for {@link java.util.ServiceLoader}). */
    public BitcaskEngine() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public KeyValueStore open(Path dir, StoreOptions options) {
        return BitcaskStore.open(dir, options);
    }
}
