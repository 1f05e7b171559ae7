package io.durakv.wal;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.io.Disk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

import static io.durakv.wal.WalFormat.*;

/**
 * Opens a log directory as a crash left it: finds the segments, checks their headers, finds where the active (last)
 * segment's valid records end, tells an unforced torn tail (cut off, with a WARN) from damage to forced bytes
 * ({@link CorruptionException}), finishes an interrupted rotation, and leaves an active segment ready for appends.
 *
 * <p>The classification rule (docs/formats/wal.md, "Recovery"): every frame records the offset up to which its segment
 * was known forced when it was written. Let X be the first invalid frame of the active segment. If any valid frame of
 * this segment <em>after</em> X claims a forced offset past X, the bytes at X were forced, so their damage is
 * corruption. Otherwise nothing proves that the bytes from X on were ever forced: they are the torn tail of the last
 * writes before the crash, and are dropped. (Frames before X cannot prove anything about X: a frame's forced offset
 * never exceeds its own start.) Sealed segments and markers are covered by the same rule, since the end-of-segment
 * and clean-close markers are written right after a force and claim their own offset.
 *
 * <p>Every write recovery makes is safe to interrupt: it deletes only a half-created last segment that never held a
 * record, re-creates it by the normal creation protocol, overwrites the dropped tail with zeros and re-writes the
 * recovered unforced bytes with their own values, then forces. A crash at any point leaves a state that this class
 * recovers to the same records.
 *
 * <p>Not thread-safe: used once, before the log is shared.
 */
final class WalRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);

    /**
     * What recovery found and prepared.
     *
     * @param segments every segment, first LSN to file, the active one last
     * @param active   the active segment, open for appending, its written bytes all forced
     * @param lastLsn  the LSN of the last record (0 if the log holds none and never did)
     */
    record Result(ConcurrentSkipListMap<Long, Path> segments, SegmentPool pool, Segment active, long lastLsn) {
    }

    /**
     * Where the active segment's valid frames end, and what recovery must write before appending there.
     *
     * @param sealed      the segment ends with an end-of-segment marker
     * @param end         where the next frame goes
     * @param rewriteFrom the highest known-forced offset seen: bytes from there to {@code end} are re-written
     * @param zeroTo      bytes {@code [end, zeroTo)} are zeroed: a dropped tail, leftover frames, or a clean-close
     *                    marker that appends are about to follow
     */
    private record ActiveEnd(boolean sealed, long nextLsn, long end, long rewriteFrom, long zeroTo) {
    }

    private final Disk disk;
    private final Path dir;
    private final WalOptions options;
    private final SegmentPool pool;

    private WalRecovery(Path dir, WalOptions options) {
        this.disk = options.disk();
        this.dir = dir;
        this.options = options;
        this.pool = new SegmentPool(options);
    }

    /** Recovers (or creates) the log in {@code dir}. */
    static Result recover(Path dir, WalOptions options) throws IOException {
        return new WalRecovery(dir, options).run();
    }

    private Result run() throws IOException {
        prepareDirectory();
        keepOrDeleteRecycledFiles();
        TreeMap<Long, Path> files = listSegments();
        if (files.isEmpty()) {
            return open(files, Segment.create(disk, dir, 1, options, pool), 0);
        }
        for (Map.Entry<Long, Path> e : files.headMap(files.lastKey()).entrySet()) {
            checkHeader(e.getValue(), e.getKey());
        }
        long lastName = files.lastKey();
        Path lastPath = files.get(lastName);
        long headerLsn;
        String headerProblem;
        boolean holdsRecords;
        boolean recycled;
        try (SegmentReader r = SegmentReader.open(disk, lastPath, SegmentReader.SCAN_WINDOW)) {
            headerLsn = r.header();
            headerProblem = r.problem();
            String cut = headerLsn == lastName ? r.cutShort() : null;
            if (cut != null) {
                // Creation forces the preallocated size before any record is written, so a short file is either
                // a creation interrupted before that force (no record: handled below like an invalid header) or
                // a file cut short afterwards, whose lost records may have been forced.
                if (holdsRecords(r, lastName)) {
                    throw new CorruptionException(lastPath, r.size(), "active segment damaged: " + cut
                            + "; records after offset " + r.size() + " are lost");
                }
                headerLsn = -1;
                headerProblem = cut;
            }
            holdsRecords = headerLsn < 0 && holdsRecords(r, lastName);
            recycled = headerLsn > 0 && (r.flags() & FLAG_RECYCLED) != 0;
        }
        if (headerLsn < 0) {
            discardHalfCreated(files, lastName, headerProblem, holdsRecords);
            return open(files, Segment.create(disk, dir, lastName, options, pool), lastName - 1);
        }
        if (headerLsn != lastName) {
            throw new CorruptionException(lastPath, HEADER_FIRST_LSN, "segment header names first LSN " + headerLsn
                    + " but the file name says " + lastName);
        }
        ActiveEnd end = scanActive(lastPath, lastName, recycled);
        Segment last = Segment.reopen(disk, lastPath, lastName, end.end(), options);
        try {
            // Bytes past the last forced offset some frame claims may sit in the page cache unforced yet marked
            // clean, if a force failed before this open (fsyncgate): re-writing them makes the force below real.
            last.rewrite(end.rewriteFrom(), end.end());
            last.zero(end.end(), end.zeroTo());
            // Forces the recovered frames and the zeroed bytes: new records claim everything before them as forced,
            // a successor may exist only after its predecessor's end marker is durable, no dropped frame may come
            // back, and a clean-close marker is gone before anything is appended after it.
            last.forceAll();
        } catch (IOException | RuntimeException e) {
            closeQuietly(last, e);
            throw e;
        }
        if (end.sealed()) {
            last.close();
            // A crash between sealing this segment and creating the next: finish the rotation.
            return open(files, Segment.create(disk, dir, end.nextLsn(), options, pool), end.nextLsn() - 1);
        }
        return open(files, last, end.nextLsn() - 1);
    }

    private Result open(TreeMap<Long, Path> files, Segment active, long lastLsn) throws IOException {
        files.put(active.firstLsn(), active.path());
        try {
            // Forces the directory: a killed process may have left segment creations or deletions only in the
            // page cache, and the records about to be appended depend on the names recovery saw being durable. It
            // also makes durable the deletion of recycled files recovery did not keep.
            disk.forceDirectory(dir);
        } catch (IOException | RuntimeException e) {
            closeQuietly(active, e);
            throw e;
        }
        return new Result(new ConcurrentSkipListMap<>(files), pool, active, lastLsn);
    }

    /**
     * Files waiting to be recycled ({@code wal-<lsn>.recycle}): up to {@link SegmentPool#MAX_FILES} of the current
     * segment size go to the pool; the rest (another size, recycling off, too many) are deleted. Their content is
     * never read as records, so any state a crash left it in is fine, with one exception: a crash may keep both the
     * old and the new name of an unforced rename (as hard links of one file). A recycle file whose header names a
     * segment that exists may therefore be that segment itself, and reusing it would overwrite live records; such a
     * name is deleted (which leaves the segment's own name), and so is one with an invalid header.
     */
    private void keepOrDeleteRecycledFiles() throws IOException {
        TreeMap<Long, Path> segments = listSegments();
        for (String name : disk.list(dir)) {
            if (!isRecycleName(name)) {
                continue;
            }
            Path path = dir.resolve(name);
            long names;
            try (SegmentReader r = SegmentReader.open(disk, path, SegmentReader.POINT_WINDOW)) {
                names = r.header();
            }
            if (names > 0 && !segments.containsKey(names) && pool.wants(disk, path)) {
                pool.add(path);
            } else {
                disk.delete(path);
            }
        }
    }

    private void prepareDirectory() throws IOException {
        if (!disk.exists(dir)) {
            disk.createDirectories(dir);
        } else if (!disk.isDirectory(dir)) {
            throw new StoreException(dir + " exists and is not a directory");
        }
    }

    private TreeMap<Long, Path> listSegments() throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        for (String name : disk.list(dir)) {
            long lsn = parseFileName(name);
            if (lsn > 0) {
                files.put(lsn, dir.resolve(name));
            }
        }
        return files;
    }

    private void checkHeader(Path path, long nameLsn) throws IOException {
        try (SegmentReader r = SegmentReader.open(disk, path, SegmentReader.POINT_WINDOW)) {
            long lsn = r.header();
            if (lsn < 0) {
                throw new CorruptionException(path, 0, "invalid header of a sealed segment (" + r.problem() + ")");
            }
            if (lsn != nameLsn) {
                throw new CorruptionException(path, HEADER_FIRST_LSN, "segment header names first LSN " + lsn
                        + " but the file name says " + nameLsn);
            }
            String cut = r.cutShort();
            if (cut != null) {
                throw new CorruptionException(path, r.size(), "sealed segment damaged: " + cut);
            }
        }
    }

    /**
     * The last segment has no valid header. That is the trace of a crash inside segment creation only if it holds no
     * record and its predecessor is sealed with an end marker naming this segment's first LSN (or it is the log's
     * very first segment): creation forces the header before any record is written, and happens only after the
     * predecessor is sealed. Anything else is a damaged header.
     */
    private void discardHalfCreated(TreeMap<Long, Path> files, long lsn, String problem, boolean holdsRecords)
            throws IOException {
        Path path = files.get(lsn);
        Map.Entry<Long, Path> previous = files.lowerEntry(lsn);
        String notHalfCreated = null;
        if (holdsRecords) {
            notHalfCreated = "it holds records";
        } else if (previous == null && lsn != 1) {
            notHalfCreated = "no sealed segment precedes it";
        } else if (previous != null) {
            long sealedAt = sealedNextLsn(previous.getValue(), previous.getKey());
            if (sealedAt != lsn) {
                notHalfCreated = sealedAt < 0 ? "the segment before it is not sealed"
                        : "the segment before it is sealed at LSN " + sealedAt;
            }
        }
        if (notHalfCreated != null) {
            throw new CorruptionException(path, 0, "invalid segment header (" + problem + "), and " + notHalfCreated
                    + ", so it is not the trace of an interrupted segment creation");
        }
        LOG.warn("removing {}: its creation was interrupted ({}); it never held a record", path, problem);
        disk.delete(path);
        files.remove(lsn);
    }

    /**
     * @return whether the file holds a valid record of segment {@code lsn} (LSN {@code lsn} or later) anywhere after
     *         its header: a creation writes and forces its header (and zeros) before any record, so such a record
     *         proves the segment is not the leftover of an interrupted creation, however much damage precedes it
     */
    private static boolean holdsRecords(SegmentReader r, long lsn) throws IOException {
        long last = r.lastNonZeroByte(HEADER_SIZE);
        return last >= 0 && r.holdsRecordFrom(HEADER_SIZE, last, lsn);
    }

    /** @return the next-LSN of the end marker that seals {@code path}, or -1 if it is not validly sealed */
    private long sealedNextLsn(Path path, long firstLsn) throws IOException {
        try (SegmentReader r = SegmentReader.open(disk, path, SegmentReader.SCAN_WINDOW)) {
            long pos = HEADER_SIZE;
            long expected = firstLsn;
            for (Frame f; (f = r.read(pos, expected, expected)) != null; pos = f.end()) {
                if (f.type() == TYPE_SEGMENT_END) {
                    return f.lsn();
                }
                if (f.isData()) {
                    expected++;
                }
            }
            return -1;
        }
    }

    private ActiveEnd scanActive(Path path, long firstLsn, boolean recycled) throws IOException {
        try (SegmentReader r = SegmentReader.open(disk, path, SegmentReader.SCAN_WINDOW)) {
            long pos = HEADER_SIZE;
            long expected = firstLsn;
            long maxForced = 0;
            Frame lastFrame = null;
            for (Frame f; (f = r.read(pos, expected, expected)) != null; pos = f.end()) {
                maxForced = Math.max(maxForced, f.forcedOffset());
                if (f.type() == TYPE_SEGMENT_END) {
                    return new ActiveEnd(true, f.lsn(), f.end(), maxForced, f.end());
                }
                if (f.isData()) {
                    expected++;
                }
                lastFrame = f;
            }
            String problem = r.problem();
            if (lastFrame != null && lastFrame.type() == TYPE_CLEAN_CLOSE) {
                // Closed cleanly. Every run that appends after a clean-close marker first zeroes it and forces that
                // (see run()), so a marker that still ends the records proves nothing was written after it: no
                // search for a torn tail, nothing to drop. Appends go where the marker is.
                return new ActiveEnd(false, expected, lastFrame.offset(), maxForced, lastFrame.end());
            }
            long lastNonZero = r.lastNonZeroByte(pos);
            if (lastNonZero < 0) {
                return new ActiveEnd(false, expected, pos, maxForced, pos);
            }
            SegmentReader.Beyond beyond = r.scanBeyond(pos, lastNonZero, expected);
            if (beyond.claim() != null) {
                throw new CorruptionException(path, pos, "invalid frame (" + problem + ") in the forced part of "
                        + "the active segment: the " + beyond.claim() + " says the segment was forced up to offset "
                        + beyond.claim().forcedOffset());
            }
            if (recycled) {
                // Past the tail lie stale frames of the file's earlier segments (lower LSNs, never read as records)
                // and maybe frames of this run that the crash cut off: those are zeroed, so none can come back
                // behind records appended later.
                long zeroTo = Math.max(pos, beyond.leftoverEnd());
                if (zeroTo > pos) {
                    LOG.warn("{}: the log ends at LSN {}, offset {} (first invalid frame: {}); dropped the unforced "
                            + "records up to offset {} of this recycled segment", path, expected - 1, pos, problem,
                            zeroTo);
                } else {
                    LOG.info("{}: the log ends at LSN {}, offset {} ({}); the rest of this recycled segment holds "
                            + "older segments' frames", path, expected - 1, pos, problem);
                }
                return new ActiveEnd(false, expected, pos, maxForced, zeroTo);
            }
            LOG.warn("{}: dropped {} bytes of unforced tail at offset {} (first invalid frame: {}); the log ends at "
                    + "LSN {}", path, lastNonZero + 1 - pos, pos, problem, expected - 1);
            return new ActiveEnd(false, expected, pos, maxForced, lastNonZero + 1);
        }
    }

    private static void closeQuietly(Segment s, Exception cause) {
        try {
            s.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
