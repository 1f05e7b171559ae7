package io.durakv.bitcask;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.WriteBatch;
import io.durakv.wal.BatchRecord;
import io.durakv.wal.FramedFile;
import io.durakv.wal.WalPosition;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a value back from where the key directory says it is: a record of the log ({@code WriteAheadLog.readAt}) or
 * of a merged data file ({@link FramedFile#readAt}), each checked by its frame's CRC32C and sequence number, then
 * decoded; the last operation of the record on the key must be a put. Stateless and thread-safe.
 */
final class RecordReader {

    private RecordReader() {
    }

    /**
     * Reads the value of {@code key} from the record at {@code location} with sequence number {@code lsn}. The caller
     * holds a {@link Readers} registration from before it read the location.
     */
    static byte[] value(BitcaskStore store, byte[] key, long lsn, long location) {
        long generation = BitcaskFormat.generation(location);
        long offset = BitcaskFormat.offset(location);
        Path file;
        byte[] record;
        try {
            if (generation == 0) {
                Long segment = store.segments.floor(lsn);
                file = store.dir.resolve(BitcaskFormat.DATA_DIR);
                if (segment == null) {
                    throw new CorruptionException(file, offset, "no log segment holds LSN " + lsn);
                }
                record = store.wal.readAt(new WalPosition(lsn, segment, offset));
            } else {
                file = store.dir.resolve(BitcaskFormat.mergeDataName(generation));
                record = FramedFile.readAt(store.disk, file, offset, lsn);
            }
        } catch (IOException e) {
            throw new StoreException("cannot read LSN " + lsn + " at offset " + offset + " of generation "
                    + generation + " in " + store.dir, e);
        }
        return valueIn(record, key, file, offset, lsn);
    }

    /**
     * @return the value the last operation on {@code key} in {@code record} (a batch record read from {@code file}
     *         at {@code offset}, CRC already checked) puts
     * @throws CorruptionException if the record does not decode or does not put that key
     */
    static byte[] valueIn(byte[] record, byte[] key, Path file, long offset, long lsn) {
        return valueIn(decode(record, file, offset, lsn), key, file, offset, lsn);
    }

    /** @return the operations of {@code record}, read from {@code file} at {@code offset} */
    static List<WriteBatch.Op> decode(byte[] record, Path file, long offset, long lsn) {
        try {
            return BatchRecord.decode(record);
        } catch (IllegalArgumentException e) {
            throw new CorruptionException(file, offset, "bad batch record for LSN " + lsn + ": " + e.getMessage());
        }
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
        throw new CorruptionException(file, offset, "record LSN " + lsn + " does not put the key of "
                + key.length + " bytes that the key directory points at it for");
    }
}
