package io.durakv.api;

import java.nio.file.Path;

/**
 * Service-provider interface: each engine module registers one implementation in
 * {@code META-INF/services/io.durakv.api.StorageEngine}, and {@link KeyValueStores} finds it with
 * {@link java.util.ServiceLoader}. Implementations must have a public no-argument constructor and be thread-safe.
 */
public interface StorageEngine {

    /** @return the engine's name, e.g. {@code "btree"}, {@code "lsm"}, {@code "bitcask"} */
    String name();

    /**
     * Opens (creating if needed) the store in {@code dir}, recovering it from what is on disk.
     *
     * @throws IllegalArgumentException if {@code options} holds a property this engine does not know, or a bad value
     * @throws StoreLockedException     if the directory is already open
     * @throws CorruptionException      if durable data is damaged
     */
    KeyValueStore open(Path dir, StoreOptions options);
}
