package io.durakv.api.testkit;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreOptions;

import java.nio.file.Path;

/**
 * How the test kit opens the store under test: usually an engine's {@code StorageEngine::open}. The options carry the
 * sync mode, engine properties and the {@link io.durakv.api.io.Disk} (a {@link io.durakv.api.io.SimulatedDisk} in the
 * crash suite).
 */
@FunctionalInterface
public interface StoreFactory {

    /** Opens (creating if needed) the store in {@code dir}, recovering it from what is on {@code options.disk()}. */
    KeyValueStore open(Path dir, StoreOptions options);
}
