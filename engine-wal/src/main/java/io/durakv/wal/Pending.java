package io.durakv.wal;

/**
 * One append on its way to the disk: the caller's bytes, the LSN it was given, and where the writer put it.
 *
 * <p>{@link #lsn} is set under the {@link GroupCommitter}'s lock before the record is queued; {@link #segment} and
 * {@link #offset} are set by the writer during the I/O round and read by the appender after that round: under the
 * same lock, or after it saw {@link #woken} set under that lock (either orders the two).
 */
final class Pending {

    final byte[] payload;
    long lsn;
    long segment;
    long offset;
    /** Set (under the committer's lock) when the write turn carrying this record failed and the log went on. */
    io.durakv.api.StoreException error;
    /** The appender's thread while it sleeps in {@link GroupCommitter#append}; set under the committer's lock. */
    Thread sleeper;
    /**
     * Set (under the committer's lock, after {@link #acked} and {@link #error}) to wake the sleeping appender: its
     * record is done, failed, or it may take a turn. Volatile: an acknowledged appender returns without the lock.
     */
    volatile boolean woken;
    /** Set before {@link #woken} when the record is written (forced in SYNC) without error: the append is done. */
    boolean acked;

    Pending(byte[] payload) {
        this.payload = payload;
    }
}
