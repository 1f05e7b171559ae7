package io.durakv.wal;

/**
 * Where a record sits in the log, from {@link WriteAheadLog#appendWithPosition(byte[])}: enough to read it back with
 * {@link WriteAheadLog#readAt(WalPosition)} without scanning (a log-structured store keeps these in its index).
 *
 * @param lsn     the record's LSN
 * @param segment the first LSN of the segment holding it (the segment file's name)
 * @param offset  the byte offset of the record's frame in that segment file
 */
public record WalPosition(long lsn, long segment, long offset) {
}
