package io.durakv.api;

/**
 * When an acknowledged write becomes durable. See {@code docs/durability.md} for the full contract.
 */
public enum SyncMode {
    /** A write is acknowledged only after its log record is forced to stable storage. The default. */
    SYNC,
    /**
     * A write is acknowledged before it is forced; a background force runs at least every
     * {@link StoreOptions#batchInterval()}. After a crash every write acknowledged more than one interval plus one
     * force earlier is present.
     */
    BATCH,
    /**
     * A write is acknowledged without forcing; only {@link KeyValueStore#sync()}, {@link KeyValueStore#close()} and
     * structural work force. A crash keeps a prefix of the history; a killed process loses nothing acknowledged.
     */
    NONE
}
