package io.durakv.bench.kv;

import io.durakv.api.SyncMode;

/**
 * What every engine of one kvbench workload is opened with, so that the engines are compared under comparable
 * durability and memory:
 *
 * @param syncMode    {@link SyncMode#NONE}: writes reach the engine's log without a force (RocksDB and LevelDB
 *                    {@code sync=false} with their WAL on, LMDB {@code MDB_NOSYNC}, Xodus without durable writes,
 *                    MapDB without file sync), and transactional engines commit every {@code commitEvery} writes;
 *                    {@link SyncMode#SYNC}: one force per acknowledged write (shared between concurrent writers
 *                    where the engine commits groups). BATCH is not offered: the peers have no equivalent.
 * @param cacheBytes  the engine's cache budget: DuraKV's {@code btree.cacheBytes}, RocksDB's and LevelDB's block
 *                    cache, MVStore's page cache, Xodus's memory usage. LMDB and MapDB (no cache of their own) read
 *                    through the OS page cache.
 * @param commitEvery writes per transaction for engines that need transactions, in NONE mode
 */
public record AdapterSettings(SyncMode syncMode, long cacheBytes, int commitEvery) {

    /** Checks the values. */
    public AdapterSettings {
        if (syncMode == SyncMode.BATCH) {
            throw new IllegalArgumentException("kvbench compares NONE and SYNC only; the peers have no BATCH mode");
        }
        if (cacheBytes < (1 << 20)) {
            throw new IllegalArgumentException("cacheBytes must be at least 1 MiB: " + cacheBytes);
        }
        if (commitEvery < 1) {
            throw new IllegalArgumentException("commitEvery must be positive: " + commitEvery);
        }
    }

    /** @return true in SYNC mode */
    public boolean sync() {
        return syncMode == SyncMode.SYNC;
    }

    /** @return these settings in another sync mode */
    public AdapterSettings withSyncMode(SyncMode mode) {
        return new AdapterSettings(mode, cacheBytes, commitEvery);
    }
}
