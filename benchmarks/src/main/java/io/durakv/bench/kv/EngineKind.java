package io.durakv.bench.kv;

/** The design family an engine belongs to; a DuraKV engine is compared with the best peer of its kind. */
public enum EngineKind {
    /** Page-based B+trees: DuraKV btree, LMDB, MVStore, Xodus, MapDB. */
    BTREE,
    /** Log-structured merge trees: DuraKV lsm, RocksDB, LevelDB. */
    LSM,
    /** A log with an in-memory key directory: DuraKV bitcask; compared with the best point-operation figure of any
     * peer. */
    BITCASK
}
