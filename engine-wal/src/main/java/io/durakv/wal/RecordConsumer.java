package io.durakv.wal;

/** Receives records from {@link WriteAheadLog#replay(long, RecordConsumer)}, in LSN order. */
@FunctionalInterface
public interface RecordConsumer {

    /**
     * @param lsn    the record's sequence number
     * @param record the record's bytes; owned by the consumer
     */
    void accept(long lsn, byte[] record);
}
