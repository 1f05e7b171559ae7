package io.durakv.wal;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StorageEngine;
import io.durakv.api.StoreOptions;

import java.nio.file.Path;

/**
 * {@link WalBackedStore} as an engine named {@value #NAME} (registered in engine-wal's test resources), so that the
 * test kit's real-process suite can open it by name in a child JVM: the write-ahead log under SIGKILL. A checkpoint
 * record every 6 writes makes the log rotate and truncate inside the workload.
 */
public final class WalTestEngine implements StorageEngine {

    /** The engine's name. */
    public static final String NAME = "wal-test";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public KeyValueStore open(Path dir, StoreOptions options) {
        return WalBackedStore.open(dir, options, 6);
    }
}
