package io.durakv.wal;

import io.durakv.api.io.Disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentNavigableMap;

import static io.durakv.wal.WalFormat.*;

/**
 * Writes batches of records to the active segment, rotating to a new segment when one does not fit, forces written
 * bytes, and closes the log cleanly. Each batch goes out in as few write calls as possible (one, unless it exceeds
 * the 1 MiB buffer or spans a rotation).
 *
 * <p>Writing and forcing are separate steps so that the {@link GroupCommitter} can run them on two threads at once:
 * the records of the next batch are written while the previous batch's force is in progress.
 *
 * <p>Not thread-safe by itself. {@link #write} is called only by the holder of the committer's write turn,
 * {@link #force} only by the holder of its force turn, and {@link #closeCleanly()} only by a thread holding both.
 * Rotation inside {@link #write} forces and closes the old segment, so it takes the force turn too, through
 * {@link RotationTurn}.
 *
 * <p>A failed write (a full disk) is not fatal. {@link #write} then leaves the writer where the records it did write
 * end ({@link #writtenLsn()}), forgets the rest of the batch, and remembers the byte range the failed call may have
 * changed; before anything else is written, that range is zeroed and forced ({@link #clearFailedWrite()}), so that no
 * frame of a failed append can ever be read back, even one that lines up after a later record of the same length.
 * A rotation that fails after sealing the old segment leaves the writer {@link #sealed}: the next write creates the
 * new segment first. Failures the writer cannot undo (a failed force) are {@link FatalIOException}s.
 */
final class LogWriter {

    /** How the writer takes the force turn around a rotation, which forces and closes the active segment. */
    interface RotationTurn {

        /** Waits until no force is in progress and keeps others from starting one. */
        void begin();

        /**
         * Releases the force turn. If {@code error} is null, every record written so far (up to {@code forcedLsn})
         * is forced, and {@code active} is the new, empty active segment. If it is a {@link FatalIOException}, a
         * {@link RuntimeException} or an {@link Error}, the log must be fail-stop before anyone else may force.
         * Another {@link IOException} (a failed write or creation) happened after the old segment's records were
         * forced: they are forced through {@code forcedLsn}, and {@code active} is the old segment.
         */
        void end(Throwable error, Segment active, long forcedLsn, long forcedBytes);
    }

    private static final int BUFFER_BYTES = 1 << 20;

    private final Disk disk;
    private final Path dir;
    private final WalOptions options;
    /** First LSN to file of every segment; this writer adds new segments, truncation removes old ones. */
    private final ConcurrentNavigableMap<Long, Path> segments;
    private final SegmentPool pool;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(WalFormat.ORDER);
    private RotationTurn rotationTurn;
    private Segment active;
    private long writtenLsn;
    private long bufferedLsn;
    /** Bytes handed to the OS since the log was opened. */
    private long writtenBytes;
    /** Whether {@link #active} is sealed by an end marker: a rotation failed after sealing it. */
    private boolean sealed;
    /** The range a failed write call may have changed, to zero before the next write; null segment if none. */
    private Segment dirtySegment;
    private long dirtyFrom;
    private long dirtyTo;

    /**
     * @param active  the active segment, recovered or new, whose written bytes are all forced
     * @param lastLsn the LSN of the last record in the log (0 if none yet)
     */
    LogWriter(Disk disk, Path dir, WalOptions options, ConcurrentNavigableMap<Long, Path> segments, SegmentPool pool,
              Segment active, long lastLsn) {
        this.disk = disk;
        this.dir = dir;
        this.options = options;
        this.segments = segments;
        this.pool = pool;
        this.active = active;
        this.writtenLsn = lastLsn;
        this.bufferedLsn = lastLsn;
    }

    /** Sets how rotation takes the force turn; called once, before the first write. */
    void rotationTurn(RotationTurn turn) {
        this.rotationTurn = turn;
    }

    /** @return the last LSN handed to the operating system */
    long writtenLsn() {
        return writtenLsn;
    }

    /** @return the bytes handed to the operating system since the log was opened */
    long writtenBytes() {
        return writtenBytes;
    }

    /** @return the segment records are written to now */
    Segment active() {
        return active;
    }

    /**
     * Writes {@code batch} (consecutive LSNs following {@link #writtenLsn()}) without forcing it, unless a rotation
     * does. On return every record of the batch is written; its {@link Pending#segment} and {@link Pending#offset}
     * are set.
     */
    void write(List<Pending> batch) throws IOException {
        try {
            clearFailedWrite();
            for (Pending p : batch) {
                int frameBytes = FRAME_HEADER_SIZE + p.payload.length;
                // Counts the frames still in the buffer: they go to this segment before this one.
                if (sealed || !active.fits(buffer.position() + (long) frameBytes)) {
                    flush();
                    rotate(p.lsn);
                }
                if (buffer.remaining() < frameBytes) {
                    flush();
                }
                p.segment = active.firstLsn();
                p.offset = active.writeOffset() + buffer.position();
                if (frameBytes > buffer.capacity()) {
                    ByteBuffer big = ByteBuffer.allocate(frameBytes);
                    FrameCodec.encode(big, TYPE_DATA, p.lsn, active.forcedOffset(), p.payload);
                    big.flip();
                    writeTracked(active, big);
                    writtenBytes += frameBytes;
                    writtenLsn = p.lsn;
                    bufferedLsn = p.lsn;
                } else {
                    FrameCodec.encode(buffer, TYPE_DATA, p.lsn, active.forcedOffset(), p.payload);
                    bufferedLsn = p.lsn;
                }
            }
            flush();
        } catch (IOException | RuntimeException e) {
            // Forgets the records not written; the committer fails their appends and hands their LSNs out again.
            buffer.clear();
            bufferedLsn = writtenLsn;
            throw e;
        }
    }

    /**
     * After a failed write: zeroes the range it may have changed and forces that, so that no frame of a failed append
     * can be read back. Forced before any new record is written there: otherwise a force that ran while the failed
     * bytes were in the page cache could have made them durable, and a crash could bring them back after a newer
     * record. A failed zeroing is retried by the next write; a failed force is fatal.
     */
    private void clearFailedWrite() throws IOException {
        Segment s = dirtySegment;
        if (s == null) {
            return;
        }
        s.zero(dirtyFrom, dirtyTo);
        FatalIOException.fatal("forcing the zeroed range of a failed write in " + s.path(), s::forceZeroed);
        dirtySegment = null;
    }

    /** Writes {@code frames} at the write offset of {@code s}, remembering the range if the call fails. */
    private void writeTracked(Segment s, ByteBuffer frames) throws IOException {
        long from = s.writeOffset();
        int n = frames.remaining();
        try {
            s.write(frames);
        } catch (IOException e) {
            dirtySegment = s;
            dirtyFrom = from;
            dirtyTo = from + n;
            throw e;
        }
    }

    /**
     * Forces {@code segment} up to {@code offset}: what a {@link #write} had written when the caller took its
     * snapshot. May run while another thread writes further records to the same segment.
     */
    void force(Segment segment, long offset) throws IOException {
        // Forces the records written to the active segment up to the snapshot: SYNC appends, sync(), the BATCH
        // timer and close wait on it. A no-op when those bytes are already forced.
        segment.forceTo(offset);
    }

    /**
     * Closes the log cleanly: forces everything, writes the clean-close marker (whose known-forced offset claims the
     * whole segment, so that recovery can tell later damage from a torn tail), forces it, closes the file.
     */
    void closeCleanly() throws IOException {
        clearFailedWrite();
        if (sealed) {
            // A rotation sealed the segment (forced, with its end marker) and failed to create the next one:
            // recovery treats a sealed last segment like a rotation a crash interrupted, and starts the next one.
            active.close();
            return;
        }
        // Forces every record: the marker written next claims them all as forced.
        active.force();
        writeMarker(active, TYPE_CLEAN_CLOSE, writtenLsn + 1);
        // Forces the clean-close marker: only a durable marker may claim that everything before it was forced.
        active.force();
        active.close();
    }

    /** Closes the active segment's file without writing or forcing anything (after a failure). */
    void abandon() {
        try {
            active.close();
        } catch (IOException ignored) {
            // The log has already failed and reported that; a second error while releasing adds nothing.
        }
    }

    /**
     * The rotation protocol: seal the active segment, then create the next, whose first record will be
     * {@code nextLsn}. A crash between any two steps leaves a state recovery accepts (docs/formats/wal.md). Holds
     * the force turn throughout: the old segment is forced, sealed and closed here.
     */
    private void rotate(long nextLsn) throws IOException {
        rotationTurn.begin();
        Throwable error = null;
        try {
            Segment old = active;
            if (!sealed) {
                // Forces every record of the old segment: the end marker written next claims them all as forced.
                FatalIOException.fatal("forcing " + old.path() + " before sealing it", old::force);
                writeMarker(old, TYPE_SEGMENT_END, nextLsn);
                // Forces the end marker: the next segment may exist only once its predecessor is durably sealed,
                // which is how recovery tells a half-created last segment (no records, safe to discard) from a
                // damaged one.
                FatalIOException.fatal("forcing the end marker of " + old.path(), old::force);
                sealed = true;
            }
            // A failed creation (a full disk) is undone by create and leaves this segment sealed: the next write
            // tries again, and until then the log ends with a sealed segment, as after a crash during rotation.
            Segment next = Segment.create(disk, dir, nextLsn, options, pool);
            segments.put(nextLsn, next.path());
            active = next;
            sealed = false;
            FatalIOException.fatal("closing " + old.path(), old::close);
        } catch (IOException | RuntimeException | Error e) {
            error = e;
            throw e;
        } finally {
            rotationTurn.end(error, active, writtenLsn, writtenBytes);
        }
    }

    private void writeMarker(Segment s, byte type, long nextLsn) throws IOException {
        ByteBuffer marker = s.marker(type, nextLsn);
        writeTracked(s, marker);
    }

    private void flush() throws IOException {
        if (buffer.position() == 0) {
            return;
        }
        buffer.flip();
        int n = buffer.remaining();
        writeTracked(active, buffer);
        buffer.clear();
        writtenBytes += n;
        writtenLsn = bufferedLsn;
    }
}
