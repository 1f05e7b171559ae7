package io.durakv.bench.kv;

import java.util.List;

/**
 * One storage engine as kvbench drives it: DuraKV's own engines through the public {@code KeyValueStore} API, and
 * the peers through their own APIs, set up alike (see {@link AdapterSettings}). Every method may be called from
 * several threads at once. Keys are ordered by unsigned lexicographic byte order in every engine.
 *
 * <p>Engines that need transactions batch writes into one transaction per writing thread (or one store-wide
 * commit) of {@link AdapterSettings#commitEvery()} operations in {@code NONE} mode, and commit (with a force) every
 * write in {@code SYNC} mode. A thread that wrote must call {@link #endThread()} before it finishes, so that its
 * open transaction is committed by the thread that began it.
 */
public interface EngineAdapter extends AutoCloseable {

    /** Writes {@code key -> value}. In SYNC mode the write is durable when this returns. */
    void put(byte[] key, byte[] value);

    /** @return the value of {@code key}, or null if absent */
    byte[] get(byte[] key);

    /** Deletes {@code key}; deleting an absent key is no error. */
    void delete(byte[] key);

    /** Writes all pairs as one batch (atomically where the engine allows). */
    void write(List<byte[]> keys, List<byte[]> values);

    /**
     * Visits up to {@code limit} entries in key order, starting at the first key {@code >= from} (the first key of
     * the store when {@code from} is null), until the visitor returns false.
     *
     * @return the number of entries visited
     */
    int scan(byte[] from, int limit, EntryVisitor visitor);

    /** Makes every write acknowledged so far durable. */
    void sync();

    /** Commits the calling thread's open transaction, if the engine batches writes per thread. */
    default void endThread() {
    }

    /** Closes the engine, durably (every acknowledged write survives). */
    @Override
    void close();

    /** Receives scanned entries. */
    @FunctionalInterface
    interface EntryVisitor {
        /** @return true to go on with the next entry, false to end the scan after this one */
        boolean visit(byte[] key, byte[] value);
    }
}
