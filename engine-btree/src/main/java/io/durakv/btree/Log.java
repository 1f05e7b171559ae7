package io.durakv.btree;

import io.durakv.wal.RecordConsumer;

/**
 * What the B+tree needs of a write-ahead log: the public API of {@link io.durakv.wal.WriteAheadLog}, which
 * {@link WalLog} adapts. The seam exists so that the engine's own tests can run the tree and its checkpoint protocol
 * over a minimal log as well; production always uses the shared WAL. Implementations are thread-safe.
 */
interface Log extends AutoCloseable {

    /** Appends a record, durable as the sync mode says before returning. @return its LSN */
    long append(byte[] record);

    /** Makes every record appended so far durable. */
    void sync();

    /**
     * @return whether the log is fail-stop (a failed force, or a failure it could not undo): appends and syncs throw
     *         until it is reopened. An append that failed while the log is not fail-stop (no space) was not kept,
     *         and later appends may succeed.
     */
    boolean isFailed();

    /** Replays records with LSN {@code >= fromLsn} in LSN order. */
    void replay(long fromLsn, RecordConsumer consumer);

    /** Allows the log to drop records below {@code lsn}: they are durable in the tree. */
    void truncateBefore(long lsn);

    /** @return the largest record {@link #append} accepts */
    int maxRecordBytes();

    /** @return the LSN of the last record, 0 if none was ever appended */
    long lastLsn();

    @Override
    void close();
}
