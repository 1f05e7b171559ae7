package io.durakv.wal;

/**
 * One append on its way to the disk: the caller's bytes, the LSN it was given, and where the writer put it.
 *
 * <p>{@link #lsn} is set under the {@link GroupCommitter}'s lock before the record is queued; {@link #segment} and
 * {@link #offset} are set by the writer during the I/O round and read by the appender after that round, under the
 * same lock (which orders the two).
 */
final class Pending {

    final byte[] payload;
    long lsn;
    long segment;
    long offset;
    /** Set (under the committer's lock) when the write turn carrying this record failed and the log went on. */
    io.durakv.api.StoreException error;

    Pending(byte[] payload) {
        this.payload = payload;
    }
}
