package io.durakv.wal;

import java.nio.ByteOrder;

/**
 * The write-ahead log's on-disk format, specified with byte tables in {@code docs/formats/wal.md}. Every number in
 * this class is part of that format: changing one changes what existing logs on users' disks mean, so it needs a new
 * {@link #VERSION} and a reader that still understands the old one.
 *
 * <p>All integers are little-endian.
 */
final class WalFormat {

    /** Byte order of every integer in the format. */
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    /** Segment header magic, "DKVWAL\r\n": the CR LF pair catches a file mangled by a text-mode copy. */
    static final byte[] MAGIC = {'D', 'K', 'V', 'W', 'A', 'L', '\r', '\n'};
    /** Format version this code writes. */
    static final int VERSION = 1;
    /** Oldest format version this code reads. */
    static final int MIN_READABLE_VERSION = 1;

    /** Segment header: size, and the offset of each field. The layout of these 32 bytes never changes. */
    static final int HEADER_SIZE = 32;
    static final int HEADER_MAGIC = 0;
    static final int HEADER_VERSION = 8;
    static final int HEADER_FLAGS = 12;
    static final int HEADER_FIRST_LSN = 16;
    /** The file's preallocated size in bytes (at most 1 GiB), or 0 for a segment that grows as records come. */
    static final int HEADER_CAPACITY = 24;
    /** CRC32C of header bytes 0 to 27. */
    static final int HEADER_CRC = 28;

    /**
     * Header flag: the file is a recycled segment (a truncated segment's file reused under a new name, without
     * zero-filling), so the bytes after its last valid frame may be stale frames of older segments. Recovery never
     * appends to such a segment again: it seals it and starts the next.
     */
    static final int FLAG_RECYCLED = 1;
    /** Every header flag this version knows; others make the header invalid. */
    static final int KNOWN_FLAGS = FLAG_RECYCLED;

    /** Frame header: size, and the offset of each field from the frame's start. */
    static final int FRAME_HEADER_SIZE = 28;
    /** CRC32C of the frame from {@link #FRAME_LENGTH} to the end of its payload. */
    static final int FRAME_CRC = 0;
    static final int FRAME_LENGTH = 4;
    static final int FRAME_TYPE = 8;
    /** Three bytes, zero in version 1. */
    static final int FRAME_RESERVED = 9;
    static final int FRAME_LSN = 12;
    static final int FRAME_FORCED_OFFSET = 20;

    /** A frame carrying one appended record; its LSN is the record's. */
    static final byte TYPE_DATA = 1;
    /** The last frame of a sealed segment; its LSN is the first LSN of the next segment. No payload. */
    static final byte TYPE_SEGMENT_END = 2;
    /** Written by a clean close after a force; its LSN is the next LSN to be assigned. No payload. */
    static final byte TYPE_CLEAN_CLOSE = 3;

    /** Size of a marker frame (end of segment, clean close): a frame header without payload. */
    static final int MARKER_SIZE = FRAME_HEADER_SIZE;
    /**
     * Space every data frame leaves free at the end of its segment: room for one clean-close marker and then the
     * end-of-segment marker, so that sealing never has to grow a preallocated file.
     */
    static final int SEGMENT_RESERVE = 2 * MARKER_SIZE;
    /** Absolute cap on a record's size, whatever the segment size: 64 MiB. */
    static final int MAX_PAYLOAD = 64 << 20;

    private static final String PREFIX = "wal-";
    private static final String SUFFIX = ".log";
    private static final String RECYCLE_SUFFIX = ".recycle";
    private static final int LSN_DIGITS = 20;

    private WalFormat() {
    }

    /** @return the file name of the segment whose first LSN is {@code firstLsn}, e.g. {@code wal-00000000000000000001.log} */
    static String fileName(long firstLsn) {
        return PREFIX + String.format("%0" + LSN_DIGITS + "d", firstLsn) + SUFFIX;
    }

    /** @return the name a truncated segment's file waits under to be reused, e.g. {@code wal-00000000000000000001.recycle} */
    static String recycleName(long firstLsn) {
        return PREFIX + String.format("%0" + LSN_DIGITS + "d", firstLsn) + RECYCLE_SUFFIX;
    }

    /** @return the first LSN a segment file name stands for, or -1 if {@code name} is not a segment file name */
    static long parseFileName(String name) {
        return parse(name, SUFFIX);
    }

    /** @return whether {@code name} is the name of a file waiting to be recycled ({@link #recycleName}) */
    static boolean isRecycleName(String name) {
        return parse(name, RECYCLE_SUFFIX) > 0;
    }

    private static long parse(String name, String suffix) {
        if (name.length() != PREFIX.length() + LSN_DIGITS + suffix.length() || !name.startsWith(PREFIX)
                || !name.endsWith(suffix)) {
            return -1;
        }
        String digits = name.substring(PREFIX.length(), PREFIX.length() + LSN_DIGITS);
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return -1;
            }
        }
        try {
            long lsn = Long.parseLong(digits);
            return lsn >= 1 ? lsn : -1;
        } catch (NumberFormatException tooLarge) {
            return -1;
        }
    }

    /** @return the largest record a log with segments of {@code segmentBytes} accepts */
    static int maxPayload(long segmentBytes) {
        return (int) Math.min(MAX_PAYLOAD, segmentBytes - HEADER_SIZE - FRAME_HEADER_SIZE - SEGMENT_RESERVE);
    }

    /** @return a human name for a frame type, for messages */
    static String typeName(byte type) {
        return switch (type) {
            case TYPE_DATA -> "record";
            case TYPE_SEGMENT_END -> "end-of-segment marker";
            case TYPE_CLEAN_CLOSE -> "clean-close marker";
            default -> "frame of unknown type " + type;
        };
    }
}
