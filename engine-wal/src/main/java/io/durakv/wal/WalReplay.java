package io.durakv.wal;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.Disk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.NavigableMap;

import static io.durakv.wal.WalFormat.*;

/**
 * Reads records back: {@link #replay} in LSN order across segments, {@link #readAt} one record by position. Every
 * record read must be valid, because only records already written are asked for: any invalid frame, a segment that
 * does not continue where its predecessor's end marker says, or a missing segment is a {@link CorruptionException}.
 *
 * <p>Stateless and thread-safe; the caller keeps truncation from deleting segments meanwhile.
 */
final class WalReplay {

    private WalReplay() {
    }

    /**
     * Delivers every record with LSN in {@code [fromLsn, lastLsn]} to {@code consumer}, in order, starting at the
     * oldest kept segment if {@code fromLsn} is older.
     *
     * @param segments the segments (first LSN to file) when {@code lastLsn} was read
     */
    static void replay(Disk disk, NavigableMap<Long, Path> segments, long fromLsn, long lastLsn,
                       PositionedRecordConsumer consumer) throws IOException {
        if (fromLsn > lastLsn || segments.isEmpty()) {
            return;
        }
        Long start = segments.floorKey(fromLsn);
        if (start == null) {
            start = segments.firstKey();
        }
        long expected = start;
        Path previous = null;
        for (Map.Entry<Long, Path> e : segments.tailMap(start, true).entrySet()) {
            if (e.getKey() != expected) {
                throw new CorruptionException(e.getValue(), 0, "segment starts at LSN " + e.getKey()
                        + " but " + (previous == null ? "the log" : previous.getFileName().toString())
                        + " continues at LSN " + expected);
            }
            expected = replaySegment(disk, e.getValue(), e.getKey(), fromLsn, lastLsn, consumer);
            if (expected > lastLsn) {
                return;
            }
            previous = e.getValue();
        }
        throw new CorruptionException(previous, 0, "the log ends at LSN " + (expected - 1) + " but LSN " + lastLsn
                + " was written");
    }

    /** @return the LSN after the last record read from this segment */
    private static long replaySegment(Disk disk, Path path, long firstLsn, long fromLsn, long lastLsn,
                                      PositionedRecordConsumer consumer) throws IOException {
        try (SegmentReader r = SegmentReader.open(disk, path, SegmentReader.SCAN_WINDOW)) {
            long headerLsn = r.header();
            if (headerLsn < 0) {
                throw new CorruptionException(path, 0, "invalid segment header (" + r.problem() + ")");
            }
            if (headerLsn != firstLsn) {
                throw new CorruptionException(path, HEADER_FIRST_LSN, "segment header names first LSN " + headerLsn
                        + " but the file name says " + firstLsn);
            }
            long pos = HEADER_SIZE;
            long expected = firstLsn;
            while (expected <= lastLsn) {
                Frame f = r.read(pos, expected, expected);
                if (f == null) {
                    throw new CorruptionException(path, pos, "invalid frame (" + r.problem() + ") where LSN "
                            + expected + " should be");
                }
                if (f.type() == TYPE_SEGMENT_END) {
                    return expected;
                }
                if (f.isData()) {
                    if (f.lsn() >= fromLsn) {
                        consumer.accept(new WalPosition(f.lsn(), firstLsn, f.offset()), f.payload());
                    }
                    expected++;
                }
                pos = f.end();
            }
            return expected;
        }
    }

    /** @return the record at {@code position} in {@code path} */
    static byte[] readAt(io.durakv.api.io.DiskFile file, io.durakv.api.io.ReadMapping mapping, long size,
                         WalPosition position, int expectedBytes) throws IOException {
        Path path = file.path();
        SegmentReader r = SegmentReader.point(file, mapping, size, expectedBytes);
        Frame f = r.read(position.offset(), position.lsn(), position.lsn());
        if (f == null || !f.isData()) {
            throw new CorruptionException(path, position.offset(), f == null
                    ? "invalid frame (" + r.problem() + ") where LSN " + position.lsn() + " was written"
                    : "a " + typeName(f.type()) + " where LSN " + position.lsn() + " was written");
        }
        return f.payload();
    }
}
