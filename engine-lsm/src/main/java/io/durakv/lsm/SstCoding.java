package io.durakv.lsm;

import io.durakv.api.CorruptionException;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The SSTable format's integer coding: unsigned LEB128 varints and little-endian fixed-width integers, written into a
 * growable {@link Output} and read back through a bounds-checked {@link Input}, plus the format's CRC32C. Every
 * length read from disk passes through {@link Input}, which fails with a {@link CorruptionException} naming the file
 * and the offset of the block being decoded, never with an index or allocation error.
 */
final class SstCoding {

    private SstCoding() {
    }

    /** @return the CRC32C of {@code bytes[from, from + length)} as the format stores it (the low 32 bits) */
    static int crc(byte[] bytes, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, from, length);
        return (int) crc.getValue();
    }

    static int getIntLE(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    static long getLongLE(byte[] b, int at) {
        return (getIntLE(b, at) & 0xFFFFFFFFL) | (long) getIntLE(b, at + 4) << 32;
    }

    static void putIntLE(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    static void putLongLE(byte[] b, int at, long v) {
        putIntLE(b, at, (int) v);
        putIntLE(b, at + 4, (int) (v >>> 32));
    }

    /** @return the big-endian long at {@code b[at, at + 8)} (the internal-key trailer) */
    static long getLongBE(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[at + i] & 0xFF);
        }
        return v;
    }

    /** A growable byte buffer for building blocks. Not thread-safe. */
    static final class Output {
        private byte[] buf;
        private int size;

        Output(int initialCapacity) {
            buf = new byte[Math.max(16, initialCapacity)];
        }

        int size() {
            return size;
        }

        byte[] array() {
            return buf;
        }

        void reset() {
            size = 0;
        }

        private void ensure(int more) {
            long need = (long) size + more;
            if (need > buf.length) {
                if (need > Integer.MAX_VALUE - 16) {
                    throw new IllegalArgumentException("block would exceed 2 GiB");
                }
                buf = Arrays.copyOf(buf, (int) Math.max(need, Math.min(Integer.MAX_VALUE - 16, 2L * buf.length)));
            }
        }

        void put(byte b) {
            ensure(1);
            buf[size++] = b;
        }

        void put(byte[] src, int from, int length) {
            ensure(length);
            System.arraycopy(src, from, buf, size, length);
            size += length;
        }

        void put(byte[] src) {
            put(src, 0, src.length);
        }

        void putIntLE(int v) {
            ensure(4);
            SstCoding.putIntLE(buf, size, v);
            size += 4;
        }

        void putLongLE(long v) {
            ensure(8);
            SstCoding.putLongLE(buf, size, v);
            size += 8;
        }

        void putLongBE(long v) {
            ensure(8);
            for (int i = 7; i >= 0; i--) {
                buf[size++] = (byte) (v >>> (8 * i));
            }
        }

        /** Unsigned LEB128: 7 bits a byte, low bits first, high bit set on all but the last byte. */
        void putVarint(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[size++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[size++] = (byte) v;
        }
    }

    /**
     * A cursor over {@code bytes[position, limit)} of one block; every read is bounds-checked and fails with a
     * {@link CorruptionException} naming the file and the block's offset. Not thread-safe.
     */
    static final class Input {
        private Path file;
        private long blockOffset;
        private String what;
        private byte[] bytes;
        private int position;
        private int limit;

        Input(Path file, long blockOffset, String what, byte[] bytes, int position, int limit) {
            this.file = file;
            this.blockOffset = blockOffset;
            this.what = what;
            reset(bytes, position, limit);
        }

        /** Moves to another block, so that one cursor serves block after block without allocating. */
        void reset(Path file, long blockOffset, String what, byte[] bytes, int position, int limit) {
            this.file = file;
            this.blockOffset = blockOffset;
            this.what = what;
            reset(bytes, position, limit);
        }

        void reset(byte[] bytes, int position, int limit) {
            this.bytes = bytes;
            this.position = position;
            this.limit = limit;
        }

        int position() {
            return position;
        }

        void position(int position) {
            this.position = position;
        }

        int remaining() {
            return limit - position;
        }

        CorruptionException corrupt(String message) {
            return new CorruptionException(file, blockOffset, what + ": " + message);
        }

        byte get() {
            if (position >= limit) {
                throw corrupt("truncated at byte " + position);
            }
            return bytes[position++];
        }

        long getLongLE() {
            need(8);
            long v = SstCoding.getLongLE(bytes, position);
            position += 8;
            return v;
        }

        int getIntLE() {
            need(4);
            int v = SstCoding.getIntLE(bytes, position);
            position += 4;
            return v;
        }

        long varint64() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = get();
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return v;
                }
            }
            throw corrupt("varint longer than 10 bytes at byte " + (position - 1));
        }

        /** @return a varint that must lie in {@code [0, max]} */
        int varint(int max, String field) {
            int at = position;
            long v = varint64();
            if (v < 0 || v > max) {
                throw corrupt(field + " " + Long.toUnsignedString(v) + " out of range [0, " + max + "] at byte " + at);
            }
            return (int) v;
        }

        /** Checks that {@code n} more bytes are there, and skips them. @return the position they start at */
        int skip(int n, String field) {
            if (n < 0 || n > limit - position) {
                throw corrupt(field + " of " + n + " bytes runs past the end (" + (limit - position)
                        + " bytes left at byte " + position + ")");
            }
            int at = position;
            position += n;
            return at;
        }

        byte[] bytes(int n, String field) {
            int at = skip(n, field);
            return Arrays.copyOfRange(bytes, at, at + n);
        }

        private void need(int n) {
            if (limit - position < n) {
                throw corrupt("truncated at byte " + position);
            }
        }
    }
}
