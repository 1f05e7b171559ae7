package io.durakv.api.testkit;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StorageEngine;
import io.durakv.api.StoreOptions;

import java.nio.file.Path;

/**
 * The reference {@link SnapshotFileStore} as a {@link StorageEngine} named {@value #NAME}, registered in engine-api's
 * test resources to test {@link io.durakv.api.KeyValueStores}. The registration travels in the test-jar, so engine
 * modules' tests see this engine among theirs too.
 */
public final class SnapshotFileStoreEngine implements StorageEngine {

    /** The engine's name. */
    public static final String NAME = "snapshot";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public KeyValueStore open(Path dir, StoreOptions options) {
        return SnapshotFileStore.open(dir, options);
    }
}
