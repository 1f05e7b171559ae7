package io.durakv.bench.jmh;

import io.durakv.api.KeyValueStore;
import io.durakv.api.KeyValueStores;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.WriteBatch;
import io.durakv.bench.kv.KeySpace;

import java.nio.file.Path;

/** What the per-engine JMH benchmarks share: opening a DuraKV engine by name, and its keys and values. */
final class StoreJmh {

    /** Keys of the benchmark's stores: 16 bytes, values of 100 bytes, as kvbench's defaults. */
    static final KeySpace KEYS = new KeySpace(16, 100, 42);
    /** Bytes per value. */
    static final int VALUE_BYTES = 100;

    private StoreJmh() {
    }

    /**
     * Opens {@code engine} on {@code dir} through {@link KeyValueStores}.
     *
     * @throws IllegalStateException if the engine is not on the class path yet (lsm and bitcask until they land):
     *                               JMH reports that parameter as failed and goes on with the next
     */
    static KeyValueStore open(String engine, Path dir, SyncMode mode) {
        if (!KeyValueStores.engines().contains(engine)) {
            throw new IllegalStateException("DuraKV engine '" + engine + "' is not on the class path yet (found: "
                    + KeyValueStores.engines() + "); pass -p engine=btree to run only what exists");
        }
        return KeyValueStores.open(engine, dir, StoreOptions.builder().syncMode(mode).build());
    }

    /** Writes keys {@code [0, n)} in batches of 1000, then syncs: the loaded store the read benchmarks use. */
    static void load(KeyValueStore store, int n) {
        WriteBatch batch = new WriteBatch();
        for (int i = 0; i < n; i++) {
            batch.put(KEYS.key(i), KEYS.value(i, VALUE_BYTES));
            if (batch.size() == 1000 || i == n - 1) {
                store.write(batch);
                batch = new WriteBatch();
            }
        }
        store.sync();
    }
}
