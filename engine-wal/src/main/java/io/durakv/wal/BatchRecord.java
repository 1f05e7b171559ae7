package io.durakv.wal;

import io.durakv.api.WriteBatch;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The engines' shared write-ahead-log payload: one record per {@code put}, {@code delete} or {@code write(batch)}
 * call, so that a batch is one record and therefore atomic across a crash. Every engine (B+tree, LSM, Bitcask) logs
 * its writes in this one encoding. Layout (docs/formats/wal.md, "Batch records"), big-endian: u8 record version (1),
 * u32 operation count, then per operation u8 kind (1 put, 2 delete), u32 key length, key, and for a put u32 value
 * length, value. Part of the on-disk format. Stateless.
 */
public final class BatchRecord {

    public static final byte VERSION = 1;
    public static final byte PUT = 1;
    public static final byte DELETE = 2;

    private BatchRecord() {
    }

    /** @return the encoded size of {@code ops} */
    public static long size(List<WriteBatch.Op> ops) {
        long n = 5;
        for (WriteBatch.Op op : ops) {
            n += 5 + op.key().length + (op.isDelete() ? 0 : 4 + op.value().length);
        }
        return n;
    }

    public static byte[] encode(List<WriteBatch.Op> ops) {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size(ops)));
        b.put(VERSION).putInt(ops.size());
        for (WriteBatch.Op op : ops) {
            b.put(op.isDelete() ? DELETE : PUT).putInt(op.key().length).put(op.key());
            if (!op.isDelete()) {
                b.putInt(op.value().length).put(op.value());
            }
        }
        return b.array();
    }

    /**
     * @return the operations of a record
     * @throws IllegalArgumentException if the record is not a valid batch record
     */
    public static List<WriteBatch.Op> decode(byte[] record) {
        try {
            ByteBuffer b = ByteBuffer.wrap(record);
            int count = count(b);
            List<WriteBatch.Op> ops = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte kind = b.get();
                byte[] key = bytes(b);
                if (kind == PUT) {
                    ops.add(new WriteBatch.Op(key, bytes(b)));
                } else if (kind == DELETE) {
                    ops.add(new WriteBatch.Op(key, null));
                } else {
                    throw new IllegalArgumentException("unknown operation kind " + kind);
                }
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(b.remaining() + " bytes after the last operation");
            }
            return ops;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("record ends inside an operation", e);
        }
    }

    /**
     * Finds what the last operation on {@code key} in a record does, without decoding the other operations: a point
     * read of one key in a large batch allocates only the value it returns. The whole record is still checked as
     * {@link #decode} checks it.
     *
     * @return the value the last operation on {@code key} puts, or null if that operation is a delete or no
     *         operation names {@code key}
     * @throws IllegalArgumentException if the record is not a valid batch record
     */
    public static byte[] lastPut(byte[] record, byte[] key) {
        try {
            ByteBuffer b = ByteBuffer.wrap(record);
            int count = count(b);
            int valueAt = -1;
            int valueLength = 0;
            for (int i = 0; i < count; i++) {
                byte kind = b.get();
                if (kind != PUT && kind != DELETE) {
                    throw new IllegalArgumentException("unknown operation kind " + kind);
                }
                int keyLength = length(b);
                int keyAt = b.position();
                b.position(keyAt + keyLength);
                boolean match = Arrays.equals(record, keyAt, keyAt + keyLength, key, 0, key.length);
                if (kind == PUT) {
                    int n = length(b);
                    if (match) {
                        valueAt = b.position();
                        valueLength = n;
                    }
                    b.position(b.position() + n);
                } else if (match) {
                    valueAt = -1;
                }
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(b.remaining() + " bytes after the last operation");
            }
            return valueAt < 0 ? null : Arrays.copyOfRange(record, valueAt, valueAt + valueLength);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("record ends inside an operation", e);
        }
    }

    /** @return the operation count, after checking the record's version */
    private static int count(ByteBuffer b) {
        byte version = b.get();
        if (version != VERSION) {
            throw new IllegalArgumentException("unknown log record version " + version);
        }
        int count = b.getInt();
        if (count < 0 || count > b.limit()) {
            throw new IllegalArgumentException("bad operation count " + count);
        }
        return count;
    }

    /** @return the next length field, checked against what is left of the record */
    private static int length(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new IllegalArgumentException("length " + n + " exceeds the record");
        }
        return n;
    }

    private static byte[] bytes(ByteBuffer b) {
        int n = length(b);
        byte[] v = new byte[n];
        b.get(v);
        return v;
    }
}
