package io.durakv.wal;

import io.durakv.api.io.Disk;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import static io.durakv.wal.WalFormat.*;

/**
 * Read-only checks and dumps of a log directory for the offline tools ({@code io.durakv.api.tools.DuraKvTool}) of every
 * engine that logs through the WAL. Nothing here writes: where {@link WriteAheadLog#open} would repair (drop an
 * unforced tail, finish a rotation, delete a half-created segment), this only reports what recovery will do.
 *
 * <p>The verdicts follow the recovery rules of {@code docs/formats/wal.md}: an invalid frame in a sealed segment, a
 * segment whose first LSN is not its predecessor's end-marker LSN, an invalid header of a sealed segment, and an
 * invalid frame of the last segment that a later frame proves forced, are <b>damage</b>; a non-zero tail nothing proves
 * forced, a sealed last segment, and a last segment without a clean-close marker are <b>notes</b>.
 *
 * <p>Stateless and thread-safe.
 */
public final class WalInspector {

    private WalInspector() {
    }

    /**
     * What {@link #verify} found.
     *
     * @param segments    segment files
     * @param bytes       their total size
     * @param firstLsn    the first record's LSN (the oldest segment's first LSN), 0 if there is no segment
     * @param lastLsn     the last valid record's LSN, {@code firstLsn - 1} if there is none
     * @param records     valid records seen
     * @param damaged     whether damage was found
     * @param closedClean whether the last frame of the log is a clean-close marker
     */
    public record Summary(int segments, long bytes, long firstLsn, long lastLsn, long records, boolean damaged,
                          boolean closedClean) {

        /** @return "N segments, B bytes, records F to L", for a tool's report */
        public String describe() {
            return segments + " segments, " + bytes + " bytes, records " + firstLsn + " to " + lastLsn;
        }
    }

    /**
     * {@link #verify} of a log of {@link BatchRecord}s (every engine's write-ahead log): also checks that every
     * record after {@code afterLsn} (the records recovery replays) decodes as a batch, reporting the first that does
     * not as damage. The summary's {@code damaged} includes that finding.
     */
    public static Summary verifyBatches(Disk disk, Path dir, long afterLsn, PrintStream report) throws IOException {
        boolean[] bad = {false};
        Summary s = verify(disk, dir, (lsn, record) -> {
            if (lsn > afterLsn && !bad[0]) {
                try {
                    BatchRecord.decode(record);
                } catch (IllegalArgumentException e) {
                    report.println("DAMAGE: log record " + lsn + " in " + dir + " is not a batch record: "
                            + e.getMessage());
                    bad[0] = true;
                }
            }
        }, report);
        return new Summary(s.segments(), s.bytes(), s.firstLsn(), s.lastLsn(), s.records(), s.damaged() || bad[0],
                s.closedClean());
    }

    /** @return a batch record's operations, one line ("put KEY = N B; delete KEY"), for {@link #dump} */
    public static String describeBatch(byte[] record) {
        java.util.List<io.durakv.api.WriteBatch.Op> ops;
        try {
            ops = BatchRecord.decode(record);
        } catch (IllegalArgumentException e) {
            return "not a batch record: " + e.getMessage();
        }
        StringBuilder s = new StringBuilder();
        for (io.durakv.api.WriteBatch.Op op : ops) {
            s.append(s.length() == 0 ? "" : "; ").append(op.isDelete() ? "delete " : "put ").append(text(op.key()));
            if (!op.isDelete()) {
                s.append(" = ").append(op.value().length).append(" B");
            }
        }
        return s.toString();
    }

    /** @return a key as text when it is printable ASCII, else as hex; long keys shortened (for the tools) */
    public static String text(byte[] key) {
        boolean printable = true;
        for (byte b : key) {
            printable &= b >= 0x20 && b < 0x7F;
        }
        String s = printable ? "\"" + new String(key, java.nio.charset.StandardCharsets.US_ASCII) + "\""
                : "0x" + java.util.HexFormat.of().formatHex(key);
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    /** @return whether {@code file}'s name is a log segment's ({@code wal-<20 digits>.log}) */
    public static boolean isSegment(Path file) {
        return file.getFileName() != null && parseFileName(file.getFileName().toString()) > 0;
    }

    /**
     * Checks every segment of the log in {@code dir}, frame by frame, handing every valid record to {@code records}
     * in LSN order, and prints one line per finding to {@code report} ("DAMAGE ..." or "note: ...", each with the
     * file and offset).
     */
    public static Summary verify(Disk disk, Path dir, RecordConsumer records, PrintStream report) throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        for (String name : disk.list(dir)) {
            long lsn = parseFileName(name);
            if (lsn > 0) {
                files.put(lsn, dir.resolve(name));
            }
        }
        if (files.isEmpty()) {
            report.println("note: " + dir + " holds no log segment");
            return new Summary(0, 0, 0, -1, 0, false, false);
        }
        boolean damaged = false;
        boolean clean = false;
        long bytes = 0;
        long count = 0;
        long expected = files.firstKey();
        for (Map.Entry<Long, Path> e : files.entrySet()) {
            boolean last = e.getKey().equals(files.lastKey());
            Path path = e.getValue();
            try (SegmentReader r = SegmentReader.open(disk, path, SegmentReader.SCAN_WINDOW)) {
                bytes += r.size();
                long first = r.header();
                if (first < 0) {
                    damaged |= !last;
                    report.println((last ? "note: " : "DAMAGE: ") + path + " at offset 0: invalid segment header ("
                            + r.problem() + ")" + (last ? "; recovery deletes it if it holds no record and its"
                            + " predecessor is sealed, else reports it as damage" : ""));
                    break;
                }
                if (first != e.getKey()) {
                    report.println("DAMAGE: " + path + " at offset " + HEADER_FIRST_LSN + ": header names first LSN "
                            + first + " but the file name says " + e.getKey());
                    damaged = true;
                    break;
                }
                if (first != expected) {
                    report.println("DAMAGE: " + path + " at offset 0: starts at LSN " + first + ", but the log"
                            + " before it ends at LSN " + (expected - 1) + " (a segment is missing)");
                    damaged = true;
                    break;
                }
                String cut = r.cutShort();
                if (cut != null) {
                    report.println("DAMAGE: " + path + " at offset " + r.size() + ": " + cut);
                    damaged = true;
                    break;
                }
                long pos = HEADER_SIZE;
                boolean sealed = false;
                clean = false;
                Frame f;
                while ((f = r.read(pos, expected, expected)) != null) {
                    pos = f.end();
                    if (f.isData()) {
                        records.accept(f.lsn(), f.payload());
                        expected++;
                        count++;
                        clean = false;
                    } else if (f.type() == TYPE_SEGMENT_END) {
                        sealed = true;
                        break;
                    } else {
                        clean = true;
                    }
                }
                if (sealed) {
                    if (last) {
                        report.println("note: " + path + " is sealed and has no successor: a rotation was"
                                + " interrupted; recovery creates " + fileName(expected));
                    }
                    continue;
                }
                if (!last) {
                    report.println("DAMAGE: " + path + " at offset " + pos + ": invalid frame (" + r.problem()
                            + ") in a sealed segment, before its end marker");
                    damaged = true;
                    break;
                }
                // After a clean-close marker nothing was written (recovery zeroes the marker before appending).
                long lastByte = clean ? -1 : r.lastNonZeroByte(pos);
                if (lastByte >= 0) {
                    String problem = r.problem();
                    Frame proof = r.scanBeyond(pos, lastByte, expected).claim();
                    if (proof != null) {
                        report.println("DAMAGE: " + path + " at offset " + pos + ": invalid frame (" + problem
                                + "), but the " + proof + " claims the segment was forced up to offset "
                                + proof.forcedOffset());
                        damaged = true;
                    } else {
                        report.println("note: " + path + " at offset " + pos + ": " + (lastByte - pos + 1)
                                + " bytes after the last valid frame (" + problem + ") that nothing proves forced;"
                                + " recovery drops them as an unforced tail");
                    }
                }
                if (!clean) {
                    report.println("note: " + path + " does not end with a clean-close marker: the log was not"
                            + " closed cleanly (or its marker is damaged)");
                }
            }
        }
        return new Summary(files.size(), bytes, files.firstKey(), expected - 1, count, damaged, clean);
    }

    /**
     * Prints one segment: its header, then every frame (offset, type, LSN, known-forced offset, length, and for a
     * record {@code describe}'s rendering of its payload), then what follows the last valid frame.
     */
    public static void dump(Disk disk, Path segment, Function<byte[], String> describe, PrintStream out)
            throws IOException {
        long nameLsn = parseFileName(segment.getFileName().toString());
        if (nameLsn < 0) {
            throw new IllegalArgumentException(segment + " is not a log segment (wal-<20 digits>.log)");
        }
        try (SegmentReader r = SegmentReader.open(disk, segment, SegmentReader.SCAN_WINDOW)) {
            out.println("segment " + segment + " (" + r.size() + " bytes), named for LSN " + nameLsn);
            long first = r.header();
            if (first < 0) {
                out.println("  header: INVALID (" + r.problem() + ")");
                return;
            }
            out.println("  header: version " + VERSION + ", first LSN " + first);
            long pos = HEADER_SIZE;
            long expected = first;
            Frame f;
            while ((f = r.read(pos, expected, expected)) != null) {
                out.println(String.format("  @%-10d %-22s LSN %-8d forced-to %-10d %s", f.offset(),
                        typeName(f.type()), f.lsn(), f.forcedOffset(),
                        f.isData() ? f.payload().length + " B: " + describe.apply(f.payload()) : ""));
                pos = f.end();
                if (f.isData()) {
                    expected++;
                } else if (f.type() == TYPE_SEGMENT_END) {
                    break;
                }
            }
            long lastByte = r.lastNonZeroByte(pos);
            if (f != null && f.type() == TYPE_SEGMENT_END) {
                out.println("  end of segment (sealed); " + (r.size() - pos) + " bytes after the end marker");
            } else if (lastByte < 0) {
                out.println("  @" + pos + " end of log: " + (r.size() - pos) + " zero bytes (preallocated or never"
                        + " written)");
            } else {
                out.println("  @" + pos + " first invalid frame: " + r.problem() + "; " + (lastByte - pos + 1)
                        + " bytes up to the last non-zero byte");
            }
        }
    }
}
