package io.durakv.btree;

import io.durakv.wal.BatchRecord;
import io.durakv.api.WriteBatch;

import java.util.List;

/**
 * The input limits of one store (docs/formats/btree.md, "Limits"), checked before anything is logged: keys up to
 * {@link BTreeFormat#maxKeyBytes} of the page size, values up to {@link BTreeFormat#MAX_VALUE_BYTES}, and each write
 * call's log record up to 64 MiB and what one record of the log holds. Immutable.
 */
final class Limits {

    /** Largest encoded write call (one log record), whatever the log allows: 64 MiB. */
    static final long MAX_RECORD_BYTES = 64L << 20;

    private final int pageSize;
    private final int maxKeyBytes;
    private final long maxRecordBytes;

    Limits(int pageSize, long logMaxRecordBytes) {
        this.pageSize = pageSize;
        this.maxKeyBytes = BTreeFormat.maxKeyBytes(pageSize);
        this.maxRecordBytes = Math.min(MAX_RECORD_BYTES, logMaxRecordBytes);
    }

    int maxKeyBytes() {
        return maxKeyBytes;
    }

    void checkKey(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("key is null");
        }
        if (key.length > maxKeyBytes) {
            throw new IllegalArgumentException("key of " + key.length + " bytes exceeds the maximum of "
                    + maxKeyBytes + " bytes for " + pageSize + "-byte pages");
        }
    }

    void checkValue(byte[] key, byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("value is null (key of " + key.length + " bytes)");
        }
        if (value.length > BTreeFormat.MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("value of " + value.length + " bytes exceeds the maximum of "
                    + BTreeFormat.MAX_VALUE_BYTES + " bytes");
        }
    }

    /** Checks the size of the log record the operations of one write call encode to. */
    void checkRecord(List<WriteBatch.Op> ops) {
        long size = BatchRecord.size(ops);
        if (size > maxRecordBytes) {
            throw new IllegalArgumentException((ops.size() == 1 ? "write" : "batch of " + ops.size() + " operations")
                    + " encodes to a log record of " + size + " bytes; the maximum is " + maxRecordBytes
                    + " (64 MiB, and at most what one segment of wal.segmentBytes holds)");
        }
    }
}
