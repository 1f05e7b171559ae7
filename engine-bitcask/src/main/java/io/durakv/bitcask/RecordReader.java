package io.durakv.bitcask;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.WriteBatch;
import io.durakv.wal.BatchRecord;
import io.durakv.wal.FramedFile;
import io.durakv.wal.WalPosition;
import io.durakv.wal.WriteAheadLog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a value back from where the key directory says it is: a record of the log ({@code WriteAheadLog.readAt}) or
 * of a merged data file ({@link FramedFile#readAt}), each checked by its frame's CRC32C and sequence number, then
 * decoded; the last operation of the record on the key must be a put. Stateless and thread-safe.
 */
final class RecordReader {

    /** No operation size known: the first read call asks for a whole point-read window. */
    static final int UNKNOWN_SIZE = -1;
    /** A batch record's bytes before its first operation (version, operation count). */
    private static final int RECORD_HEADER = 5;
    /** The largest first read call worth asking for; a larger frame takes a second call anyway. */
    private static final int MAX_GUESS = 4096;

    private RecordReader() {
    }

    /**
     * Reads the value of {@code key} from the record at {@code location} with sequence number {@code lsn}. The caller
     * holds a {@link Readers} registration from before it read the location.
     */
    static byte[] value(BitcaskStore store, byte[] key, long lsn, long location) {
        return value(store, key, lsn, location, UNKNOWN_SIZE);
    }

    /**
     * As {@link #value(BitcaskStore, byte[], long, long)}, with the size of the operation on {@code key}
     * ({@link BitcaskFormat#opSize}, from the key directory): the first read call asks for the frame of a record
     * holding that one operation, so a small value costs a small read (a batch record, longer, costs one more call).
     */
    static byte[] value(BitcaskStore store, byte[] key, long lsn, long location, int opSize) {
        Record r = record(store, lsn, location, opSize);
        return valueIn(r.bytes, key, r.file, BitcaskFormat.offset(location), lsn);
    }

    /** A record's payload as read (CRC and sequence number checked) and the file it was read from. */
    record Record(byte[] bytes, Path file) {
    }

    /** Reads the record at {@code location} with sequence number {@code lsn}; see {@link #value}. */
    static Record record(BitcaskStore store, long lsn, long location, int opSize) {
        long generation = BitcaskFormat.generation(location);
        long offset = BitcaskFormat.offset(location);
        int expected = opSize == UNKNOWN_SIZE ? Integer.MAX_VALUE : RECORD_HEADER + opSize;
        try {
            if (generation == 0) {
                long segment = store.segments.floor(lsn);
                if (segment < 0) {
                    throw new CorruptionException(store.dataDir, offset, "no log segment holds LSN " + lsn);
                }
                return new Record(store.wal.readAt(new WalPosition(lsn, segment, offset),
                        WriteAheadLog.frameBytes(Math.min(expected, MAX_GUESS))), store.dataDir);
            }
            FramedFile.Reader r = store.merged.reader(generation);
            return new Record(readMerged(store.merged, r, generation, offset, lsn,
                    (int) FramedFile.frameBytes(Math.min(expected, MAX_GUESS))), r.path());
        } catch (IOException e) {
            throw new StoreException("cannot read LSN " + lsn + " at offset " + offset + " of generation "
                    + generation + " in " + store.dir, e);
        }
    }

    /**
     * Reads values for a walk that meets the keys of one record one after another (a merge walking the key directory
     * in entry order meets a batch's keys in the order the batch inserted them): the last record read is kept, and a
     * record met again is indexed by key, so that a batch record of n operations is read and checked once, not n
     * times. Not thread-safe: one per walk.
     */
    static final class Memo {
        private long lsn = -1;
        private long location;
        private Record record;
        private int uses;
        private Map<ByteBuffer, byte[]> lastPuts;

        /** As {@link RecordReader#value(BitcaskStore, byte[], long, long)}, reusing the last record read. */
        byte[] value(BitcaskStore store, byte[] key, long lsn, long location) {
            if (record == null || lsn != this.lsn || location != this.location) {
                record = record(store, lsn, location, UNKNOWN_SIZE);
                this.lsn = lsn;
                this.location = location;
                uses = 0;
                lastPuts = null;
            }
            long offset = BitcaskFormat.offset(location);
            if (++uses < 3) {
                return valueIn(record.bytes, key, record.file, offset, lsn);
            }
            if (lastPuts == null) {
                lastPuts = new HashMap<>();
                for (WriteBatch.Op op : decode(record.bytes, record.file, offset, lsn)) {
                    lastPuts.put(ByteBuffer.wrap(op.key()), op.value()); // a later operation on a key wins
                }
            }
            byte[] value = lastPuts.get(ByteBuffer.wrap(key));
            if (value == null) {
                throw notPut(key, record.file, offset, lsn);
            }
            return value.clone();
        }
    }

    /** Reads a merged file's frame through its open reader; a reader found closed is replaced once. */
    private static byte[] readMerged(MergedFiles merged, FramedFile.Reader r, long generation, long offset, long lsn,
                                     int expected) throws IOException {
        try {
            return r.readAt(offset, lsn, expected);
        } catch (ClosedChannelException e) {
            // Another thread's interrupt closed the shared channel (or this thread's own: then fail).
            merged.drop(generation, r);
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            return merged.reader(generation).readAt(offset, lsn, expected);
        }
    }

    /**
     * @return the value the last operation on {@code key} in {@code record} (a batch record read from {@code file}
     *         at {@code offset}, CRC already checked) puts
     * @throws CorruptionException if the record does not decode or does not put that key
     */
    static byte[] valueIn(byte[] record, byte[] key, Path file, long offset, long lsn) {
        byte[] value;
        try {
            value = BatchRecord.lastPut(record, key);
        } catch (IllegalArgumentException e) {
            throw badRecord(file, offset, lsn, e);
        }
        if (value == null) {
            throw notPut(key, file, offset, lsn);
        }
        return value;
    }

    /** @return the operations of {@code record}, read from {@code file} at {@code offset} */
    static List<WriteBatch.Op> decode(byte[] record, Path file, long offset, long lsn) {
        try {
            return BatchRecord.decode(record);
        } catch (IllegalArgumentException e) {
            throw badRecord(file, offset, lsn, e);
        }
    }

    private static CorruptionException badRecord(Path file, long offset, long lsn, IllegalArgumentException e) {
        return new CorruptionException(file, offset, "bad batch record for LSN " + lsn + ": " + e.getMessage());
    }

    private static CorruptionException notPut(byte[] key, Path file, long offset, long lsn) {
        return new CorruptionException(file, offset, "record LSN " + lsn + " does not put the key of "
                + key.length + " bytes that the key directory points at it for");
    }

    /** As {@link #valueIn(byte[], byte[], Path, long, long)} on decoded operations. */
    static byte[] valueIn(List<WriteBatch.Op> ops, byte[] key, Path file, long offset, long lsn) {
        for (int i = ops.size() - 1; i >= 0; i--) {
            WriteBatch.Op op = ops.get(i);
            if (Arrays.equals(op.key(), key)) {
                if (op.isDelete()) {
                    break;
                }
                return op.value();
            }
        }
        throw notPut(key, file, offset, lsn);
    }
}
