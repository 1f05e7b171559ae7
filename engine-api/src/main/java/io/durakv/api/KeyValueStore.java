package io.durakv.api;

/**
 * An ordered, durable key-value store: the one interface every DuraKV engine implements.
 *
 * <p>Keys are ordered by unsigned lexicographic byte order ({@link java.util.Arrays#compareUnsigned(byte[], byte[])}).
 * Arrays passed in are copied, so the caller may reuse them; arrays returned belong to the caller.
 * Null keys or values, and keys or values over the engine's documented maximum, are rejected with
 * {@link IllegalArgumentException} before anything is written.
 *
 * <p><b>Durability.</b> What an acknowledged (normally returned) write promises after a crash depends on the
 * {@link SyncMode} the store was opened with; see {@code docs/durability.md}. In every mode a crash leaves a prefix
 * of the acknowledged history, batches stay atomic, and damage to durable files is reported as
 * {@link CorruptionException}, never returned as wrong data.
 *
 * <p><b>Threads.</b> Implementations are safe for use by many threads at once.
 *
 * <p><b>Locking.</b> While open, a store holds a lock on its directory; a second open of the same directory, from this
 * process or another, throws {@link StoreLockedException}. After {@link #close()}, every call throws
 * {@link StoreClosedException}.
 */
public interface KeyValueStore extends AutoCloseable {

    /**
     * Returns a copy of the value stored under {@code key}, or {@code null} when the key is absent.
     *
     * @throws IllegalArgumentException if {@code key} is null or longer than the engine's maximum key size
     * @throws CorruptionException if the bytes holding the value fail their checksum
     * @throws StoreClosedException if the store was closed
     */
    byte[] get(byte[] key);

    /**
     * Stores {@code value} under {@code key}, replacing any earlier value.
     *
     * <p>On return the write is acknowledged: in {@link SyncMode#SYNC} it is durable; in
     * {@link SyncMode#BATCH} it becomes durable within the batch interval; in {@link SyncMode#NONE} it is durable
     * after the next {@link #sync()} or {@link #close()}. In every mode it survives a killed process.
     *
     * @throws IllegalArgumentException if key or value is null or over the engine's maximum size; nothing is written
     * @throws StoreException if the write could not be made durable; the store then refuses further writes
     */
    void put(byte[] key, byte[] value);

    /**
     * Removes {@code key}. Deleting an absent key is not an error. Durability as for {@link #put(byte[], byte[])}.
     *
     * @throws IllegalArgumentException if {@code key} is null or over the engine's maximum key size
     */
    void delete(byte[] key);

    /**
     * Applies every operation of {@code batch} atomically: after any crash either all of them are present or none.
     * The batch is copied; the caller may clear and reuse it after this returns. Durability as for
     * {@link #put(byte[], byte[])}.
     *
     * @throws IllegalArgumentException if {@code batch} is null or over the engine's maximum batch size
     */
    void write(WriteBatch batch);

    /**
     * Returns an iterator over the keys in {@code [fromInclusive, toExclusive)}, in unsigned byte order. A null bound
     * is open. The iterator sees one consistent point-in-time view taken when this method returns: later writes are
     * not visible through it and it never fails with a concurrent-modification error. Close it when done; using it
     * after it or its store was closed throws {@link IllegalStateException}.
     */
    KeyValueIterator scan(byte[] fromInclusive, byte[] toExclusive);

    /**
     * Makes every write acknowledged before this call durable, in every sync mode, before returning.
     *
     * @throws StoreException if forcing failed; the store then refuses further writes
     */
    void sync();

    /**
     * Makes every acknowledged write durable, releases the directory lock and all resources. Idempotent: a second
     * call does nothing. Resources are released even when making the data durable fails, in which case this throws.
     */
    @Override
    void close();
}
