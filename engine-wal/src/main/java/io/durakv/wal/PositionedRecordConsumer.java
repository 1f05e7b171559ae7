package io.durakv.wal;

/**
 * Receives records replayed by {@link WriteAheadLog#replayWithPositions}, each with where it sits in the log, so that
 * a log-structured store can rebuild an index of positions (for {@link WriteAheadLog#readAt}) in one pass.
 */
@FunctionalInterface
public interface PositionedRecordConsumer {

    /**
     * @param position the record's LSN, segment and frame offset
     * @param record   the record's bytes; the consumer may keep them
     */
    void accept(WalPosition position, byte[] record);
}
