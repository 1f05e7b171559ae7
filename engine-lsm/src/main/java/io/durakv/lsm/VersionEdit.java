package io.durakv.lsm;

import io.durakv.api.CorruptionException;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One manifest record: a change to the set of live SSTables (files added to and removed from levels) and to the
 * store's counters (the WAL LSN covered by SSTables, the next file number). Encoding (docs/formats/manifest.md), all
 * big-endian: u8 record version (1), then tagged fields, each u8 tag, u32 body length, body. Tags with the high bit
 * (0x80) set may be ignored by a reader that does not know them; any other unknown tag is an error. The tag values
 * are part of the on-disk format. Mutable builder; not thread-safe.
 */
final class VersionEdit {

    static final byte VERSION = 1;
    static final byte TAG_COVERED_LSN = 1;
    static final byte TAG_NEXT_FILE = 2;
    static final byte TAG_ADD_FILE = 3;
    static final byte TAG_DELETE_FILE = 4;
    static final int IGNORABLE = 0x80;
    /** The log's last LSN at a clean close (ignorable: a reader that does not know it loses only the check). */
    static final int TAG_LOG_END = IGNORABLE | 5;

    record Added(int level, FileMeta file) {
    }

    record Deleted(int level, long number) {
    }

    private long coveredLsn = -1;
    private long nextFile = -1;
    private long logEnd = -1;
    private final List<Added> added = new ArrayList<>();
    private final List<Deleted> deleted = new ArrayList<>();

    VersionEdit coveredLsn(long lsn) {
        this.coveredLsn = lsn;
        return this;
    }

    VersionEdit nextFile(long number) {
        this.nextFile = number;
        return this;
    }

    /** Records that the store closed cleanly with every log record up to {@code lsn} forced. */
    VersionEdit logEnd(long lsn) {
        this.logEnd = lsn;
        return this;
    }

    /** @return the log's last LSN at a clean close this edit records, or -1 */
    long logEnd() {
        return logEnd;
    }

    VersionEdit add(int level, FileMeta file) {
        added.add(new Added(level, file));
        return this;
    }

    VersionEdit delete(int level, long number) {
        deleted.add(new Deleted(level, number));
        return this;
    }

    /** @return the covered LSN this edit sets, or -1 */
    long coveredLsn() {
        return coveredLsn;
    }

    /** @return the next file number this edit sets, or -1 */
    long nextFile() {
        return nextFile;
    }

    List<Added> added() {
        return added;
    }

    List<Deleted> deleted() {
        return deleted;
    }

    byte[] encode() {
        int size = 1 + (coveredLsn >= 0 ? 13 : 0) + (nextFile >= 0 ? 13 : 0) + (logEnd >= 0 ? 13 : 0)
                + deleted.size() * 14;
        for (Added a : added) {
            size += 5 + addBody(a);
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION);
        if (coveredLsn >= 0) {
            b.put(TAG_COVERED_LSN).putInt(8).putLong(coveredLsn);
        }
        if (nextFile >= 0) {
            b.put(TAG_NEXT_FILE).putInt(8).putLong(nextFile);
        }
        if (logEnd >= 0) {
            b.put((byte) TAG_LOG_END).putInt(8).putLong(logEnd);
        }
        for (Deleted d : deleted) {
            b.put(TAG_DELETE_FILE).putInt(9).put((byte) d.level).putLong(d.number);
        }
        for (Added a : added) {
            FileMeta f = a.file;
            b.put(TAG_ADD_FILE).putInt(addBody(a)).put((byte) a.level).putLong(f.number).putLong(f.fileBytes)
                    .putLong(f.smallestSequence).putLong(f.largestSequence).putLong(f.entries)
                    .putInt(f.smallest.length).put(f.smallest).putInt(f.largest.length).put(f.largest);
        }
        return b.array();
    }

    private static int addBody(Added a) {
        return 1 + 5 * 8 + 4 + a.file.smallest.length + 4 + a.file.largest.length;
    }

    /**
     * Decodes one manifest record.
     *
     * @param where the manifest log and the record's LSN, for the error
     * @throws CorruptionException if the record is not a valid edit
     */
    static VersionEdit decode(byte[] record, Path where, long lsn) {
        VersionEdit e = new VersionEdit();
        try {
            ByteBuffer b = ByteBuffer.wrap(record);
            byte version = b.get();
            if (version != VERSION) {
                throw bad(where, lsn, "unsupported manifest record version " + version + " (this build reads "
                        + VERSION + ")");
            }
            while (b.hasRemaining()) {
                int tag = b.get() & 0xFF;
                int len = b.getInt();
                if (len < 0 || len > b.remaining()) {
                    throw bad(where, lsn, "field length " + len + " exceeds the record");
                }
                ByteBuffer body = b.slice(b.position(), len);
                b.position(b.position() + len);
                switch (tag) {
                    case TAG_COVERED_LSN -> e.coveredLsn = nonNegative(body.getLong(), where, lsn, "covered LSN");
                    case TAG_NEXT_FILE -> e.nextFile = nonNegative(body.getLong(), where, lsn, "next file number");
                    case TAG_LOG_END -> e.logEnd = nonNegative(body.getLong(), where, lsn, "log end");
                    case TAG_DELETE_FILE -> e.delete(level(body.get(), where, lsn), body.getLong());
                    case TAG_ADD_FILE -> {
                        int level = level(body.get(), where, lsn);
                        long number = body.getLong();
                        long bytes = body.getLong();
                        long smallSeq = body.getLong();
                        long largeSeq = body.getLong();
                        long entries = body.getLong();
                        byte[] smallest = bytes(body, where, lsn);
                        byte[] largest = bytes(body, where, lsn);
                        if (java.util.Arrays.compareUnsigned(smallest, largest) > 0 || smallSeq > largeSeq
                                || entries < 1 || bytes < 1) {
                            throw bad(where, lsn, "inconsistent file entry for #" + number);
                        }
                        e.add(level, new FileMeta(number, bytes, smallest, largest, smallSeq, largeSeq, entries));
                    }
                    default -> {
                        if ((tag & IGNORABLE) == 0) {
                            throw bad(where, lsn, "unknown manifest field tag " + tag);
                        }
                    }
                }
            }
        } catch (BufferUnderflowException | IndexOutOfBoundsException ex) {
            throw new CorruptionException(where, lsn, "manifest record " + lsn + " ends inside a field", ex);
        }
        return e;
    }

    private static long nonNegative(long v, Path where, long lsn, String what) {
        if (v < 0) {
            throw bad(where, lsn, "negative " + what + " " + v);
        }
        return v;
    }

    private static int level(byte level, Path where, long lsn) {
        if (level < 0 || level >= LsmFormat.LEVELS) {
            throw bad(where, lsn, "level " + level + " out of range 0.." + (LsmFormat.LEVELS - 1));
        }
        return level;
    }

    private static byte[] bytes(ByteBuffer b, Path where, long lsn) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw bad(where, lsn, "key length " + n + " exceeds the field");
        }
        byte[] v = new byte[n];
        b.get(v);
        return v;
    }

    private static CorruptionException bad(Path where, long lsn, String what) {
        return new CorruptionException(where, lsn, "manifest record " + lsn + ": " + what
                + " (the offset is the record's LSN)");
    }
}
