package io.durakv.bitcask;

import io.durakv.api.WriteBatch;
import io.durakv.wal.BatchRecord;

import java.util.List;

/**
 * The input limits (docs/formats/bitcask.md, "Limits"), checked before anything is logged: keys up to
 * {@link BitcaskEngine#MAX_KEY_BYTES}, values up to {@link BitcaskEngine#MAX_VALUE_BYTES}, and each write call's
 * batch record within what one data file holds. Stateless.
 */
final class Limits {

    private Limits() {
    }

    static void checkKey(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("key is null");
        }
        if (key.length > BitcaskEngine.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key of " + key.length + " bytes exceeds the maximum of "
                    + BitcaskEngine.MAX_KEY_BYTES + " bytes");
        }
    }

    static void checkValue(byte[] key, byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("value is null (key of " + key.length + " bytes)");
        }
        if (value.length > BitcaskEngine.MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("value of " + value.length + " bytes exceeds the maximum of "
                    + BitcaskEngine.MAX_VALUE_BYTES + " bytes");
        }
    }

    /** Checks the size of the record the operations of one write call encode to. */
    static void checkRecord(List<WriteBatch.Op> ops, int maxRecordBytes, long fileBytes) {
        long size = BatchRecord.size(ops);
        if (size > maxRecordBytes) {
            throw new IllegalArgumentException((ops.size() == 1 ? "write" : "batch of " + ops.size() + " operations")
                    + " encodes to a record of " + size + " bytes; the maximum is " + maxRecordBytes
                    + " (what one data file of bitcask.fileBytes = " + fileBytes + " holds)");
        }
    }
}
