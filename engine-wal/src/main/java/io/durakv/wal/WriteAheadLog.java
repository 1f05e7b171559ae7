package io.durakv.wal;

/**
 * The fsync-correct write-ahead log every DuraKV engine shares. Not implemented yet: see issue 3.
 */
public final class WriteAheadLog implements AutoCloseable {

    private WriteAheadLog() {
    }

    /** Opens (creating if needed) the log in {@code dir}, recovering it. */
    public static WriteAheadLog open(java.nio.file.Path dir, WalOptions options) {
        throw new UnsupportedOperationException("WriteAheadLog is not implemented yet");
    }

    /** @return the record's LSN */
    public long append(byte[] record) {
        throw new UnsupportedOperationException();
    }

    /** Everything appended so far is durable on return. */
    public void sync() {
        throw new UnsupportedOperationException();
    }

    /** Replays records with LSN >= fromLsn in LSN order. */
    public void replay(long fromLsn, RecordConsumer consumer) {
        throw new UnsupportedOperationException();
    }

    /** Deletes whole segments whose records are all below {@code lsn}. */
    public void truncateBefore(long lsn) {
        throw new UnsupportedOperationException();
    }

    /** @return the LSN of the last record appended, or 0 when the log is empty */
    public long lastLsn() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
