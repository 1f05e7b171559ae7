package io.durakv.bitcask;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.WriteBatch;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The Bitcask engine's file names and the content of its own files, specified with byte tables in
 * {@code docs/formats/bitcask.md}. Every number here is part of that on-disk format: changing one needs a new
 * {@link #VERSION} and a reader that still understands the old one. The framing of every file (header, frames,
 * CRC32C, end marker) is the write-ahead log's ({@link io.durakv.wal.FramedFile}); the records of data files are
 * {@link io.durakv.wal.BatchRecord}s. Integers here are big-endian, like batch records.
 */
final class BitcaskFormat {

    /** The directory lock file. */
    static final String LOCK_FILE = "LOCK";
    /** Subdirectory holding the live data files: the segments of one write-ahead log. */
    static final String DATA_DIR = "data";
    /** The merge manifest: which merge generation is current and which log records it covers. */
    static final String MANIFEST = "MERGE";
    /** The manifest being written, renamed over {@link #MANIFEST} once forced. */
    static final String MANIFEST_TMP = "MERGE.tmp";

    /** First bytes of every identity frame: "DKVBITC1". */
    static final byte[] MAGIC = {'D', 'K', 'V', 'B', 'I', 'T', 'C', '1'};
    /** Format version this code writes and the only one it reads. */
    static final int VERSION = 1;

    /** File kinds, in identity frames. */
    static final byte KIND_MERGE_DATA = 1;
    static final byte KIND_MERGE_HINT = 2;
    static final byte KIND_SEGMENT_HINT = 3;
    static final byte KIND_MANIFEST = 4;

    /** Identity frame: magic, u32 version, u8 kind, u64 id (generation or segment), u64 covers-before LSN. */
    static final int IDENTITY_BYTES = 8 + 4 + 1 + 8 + 8;

    /** A location's generation field: 0 is the live log, 1 and up a merge generation. */
    static final int OFFSET_BITS = 40;
    static final long MAX_OFFSET = (1L << OFFSET_BITS) - 1;
    static final long MAX_GENERATION = (1L << (63 - OFFSET_BITS)) - 1;

    private BitcaskFormat() {
    }

    static String mergeDataName(long generation) {
        return String.format("merge-%010d.data", generation);
    }

    static String mergeHintName(long generation) {
        return String.format("merge-%010d.hint", generation);
    }

    static String segmentHintName(long segmentStart) {
        return String.format("hint-%020d.hint", segmentStart);
    }

    /** @return the name, inside {@code data/}, of the log segment (data file) starting at LSN {@code segmentStart} */
    static String segmentDataName(long segmentStart) {
        return String.format("wal-%020d.log", segmentStart);
    }

    /** @return the generation a merge file name stands for, or -1 */
    static long parseMergeName(String name) {
        if (name.length() == 21 && name.startsWith("merge-") && (name.endsWith(".data") || name.endsWith(".hint"))) {
            return parseDigits(name.substring(6, 16));
        }
        return -1;
    }

    /** @return the segment a segment hint file name stands for, or -1 */
    static long parseSegmentHintName(String name) {
        if (name.length() == 30 && name.startsWith("hint-") && name.endsWith(".hint")) {
            return parseDigits(name.substring(5, 25));
        }
        return -1;
    }

    private static long parseDigits(String digits) {
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return -1;
            }
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** @return a location: the generation (0 for the live log) and the frame's offset in its file */
    static long location(long generation, long offset) {
        return (generation << OFFSET_BITS) | offset;
    }

    static long generation(long location) {
        return location >>> OFFSET_BITS;
    }

    static long offset(long location) {
        return location & MAX_OFFSET;
    }

    /** @return the bytes one operation takes in a batch record: what becomes dead when the key changes again */
    static int opSize(WriteBatch.Op op) {
        return 5 + op.key().length + (op.isDelete() ? 0 : 4 + op.value().length);
    }

    /** @return an identity frame's payload */
    static byte[] identity(byte kind, long id, long coversBefore) {
        ByteBuffer b = ByteBuffer.allocate(IDENTITY_BYTES);
        b.put(MAGIC).putInt(VERSION).put(kind).putLong(id).putLong(coversBefore);
        return b.array();
    }

    /**
     * Checks an identity frame's payload.
     *
     * @return the covers-before LSN it names
     * @throws CorruptionException if it is not an identity of {@code kind} and {@code id}
     * @throws StoreException      if it is of a format version this code does not read
     */
    static long checkIdentity(byte[] payload, Path file, long offset, byte kind, long id) {
        try {
            ByteBuffer b = ByteBuffer.wrap(payload);
            byte[] magic = new byte[MAGIC.length];
            b.get(magic);
            if (!Arrays.equals(magic, MAGIC) || payload.length != IDENTITY_BYTES) {
                throw new CorruptionException(file, offset, "not a Bitcask identity frame");
            }
            int version = b.getInt();
            if (version != VERSION) {
                throw new StoreException(file + " has Bitcask format version " + version + "; this version reads "
                        + VERSION + (version > VERSION ? " (written by a newer DuraKV)" : ""));
            }
            byte k = b.get();
            long i = b.getLong();
            if (k != kind || i != id) {
                throw new CorruptionException(file, offset, "identity names kind " + k + " id " + i
                        + " where kind " + kind + " id " + id + " was expected");
            }
            return b.getLong();
        } catch (BufferUnderflowException e) {
            throw new CorruptionException(file, offset, "identity frame cut short");
        }
    }
}
