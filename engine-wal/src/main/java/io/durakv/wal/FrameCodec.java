package io.durakv.wal;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import static io.durakv.wal.WalFormat.*;

/**
 * Encodes segment headers and frames (the one implementation of the WAL's framing; {@link SegmentReader} decodes).
 * Layouts are in {@link WalFormat} and {@code docs/formats/wal.md}.
 *
 * <p>Stateless and thread-safe.
 */
final class FrameCodec {

    private FrameCodec() {
    }

    /** @return the 32-byte header of a segment whose first record has LSN {@code firstLsn}, ready to write */
    static ByteBuffer header(long firstLsn) {
        return header(firstLsn, 0, 0);
    }

    /**
     * @param flags    {@link WalFormat#FLAG_RECYCLED} or 0
     * @param capacity the preallocated file size, or 0 if the segment grows
     * @return the 32-byte header of a segment, ready to write
     */
    static ByteBuffer header(long firstLsn, int flags, int capacity) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ORDER);
        b.put(HEADER_MAGIC, MAGIC);
        b.putInt(HEADER_VERSION, VERSION);
        b.putInt(HEADER_FLAGS, flags);
        b.putLong(HEADER_FIRST_LSN, firstLsn);
        b.putInt(HEADER_CAPACITY, capacity);
        b.putInt(HEADER_CRC, crc(b.array(), 0, HEADER_CRC));
        return b;
    }

    /**
     * Appends one frame to {@code dst} at its position (which advances by {@code FRAME_HEADER_SIZE + payload.length}).
     * The checksum is computed over the bytes as they sit in {@code dst}, so a caller changing {@code payload}
     * concurrently can at worst write a different record, never a frame that fails its own checksum.
     *
     * @param dst          a buffer with at least the frame's size remaining; any byte order
     * @param type         the frame type
     * @param lsn          the record's LSN, or for a marker the next LSN
     * @param forcedOffset the offset up to which the segment is known forced at this moment
     * @param payload      the record (empty for markers)
     */
    static void encode(ByteBuffer dst, byte type, long lsn, long forcedOffset, byte[] payload) {
        // Absolute puts into dst itself when it has the format's byte order (the log's own buffer), so that a frame
        // costs no buffer views; a view only for a buffer of the other order.
        ByteBuffer b = dst.order() == ORDER ? dst : dst.duplicate().order(ORDER);
        int start = dst.position();
        int end = start + FRAME_HEADER_SIZE + payload.length;
        if (end > dst.limit()) {
            throw new BufferOverflowException();
        }
        b.putInt(start + FRAME_LENGTH, payload.length);
        b.put(start + FRAME_TYPE, type);
        for (int pad = FRAME_TYPE + 1; pad < FRAME_LSN; pad++) {
            b.put(start + pad, (byte) 0);
        }
        b.putLong(start + FRAME_LSN, lsn);
        b.putLong(start + FRAME_FORCED_OFFSET, forcedOffset);
        b.put(start + FRAME_HEADER_SIZE, payload);
        int limit = b.limit();
        b.limit(end).position(start + FRAME_LENGTH);
        CRC32C crc = new CRC32C();
        crc.update(b);
        b.limit(limit);
        b.putInt(start + FRAME_CRC, (int) crc.getValue());
        dst.position(end);
    }

    /** @return the CRC32C of {@code bytes[from, from + length)} as the format stores it (the low 32 bits) */
    static int crc(byte[] bytes, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, from, length);
        return (int) crc.getValue();
    }
}
