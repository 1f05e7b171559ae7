package io.durakv.wal;

import io.durakv.api.io.Disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentNavigableMap;

import static io.durakv.wal.WalFormat.*;

/**
 * Writes batches of records to the active segment, rotating to a new segment when one does not fit, and closes the
 * log cleanly. Each batch goes out in as few write calls as possible (one, unless it exceeds the 1 MiB buffer or
 * spans a rotation), then at most one force.
 *
 * <p>Not thread-safe: only the thread holding the I/O turn of the {@link GroupCommitter} calls it; the committer
 * reads {@link #writtenLsn()} and friends after each turn, under its lock.
 */
final class LogWriter {

    private static final int BUFFER_BYTES = 1 << 20;

    private final Disk disk;
    private final Path dir;
    private final WalOptions options;
    /** First LSN to file of every segment; this writer adds new segments, truncation removes old ones. */
    private final ConcurrentNavigableMap<Long, Path> segments;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private Segment active;
    private long writtenLsn;
    private long forcedLsn;
    private long bufferedLsn;
    private long unforcedBytes;

    /**
     * @param active  the active segment, recovered or new, whose written bytes are all forced
     * @param lastLsn the LSN of the last record in the log (0 if none yet)
     */
    LogWriter(Disk disk, Path dir, WalOptions options, ConcurrentNavigableMap<Long, Path> segments, Segment active,
              long lastLsn) {
        this.disk = disk;
        this.dir = dir;
        this.options = options;
        this.segments = segments;
        this.active = active;
        this.writtenLsn = lastLsn;
        this.forcedLsn = lastLsn;
        this.bufferedLsn = lastLsn;
    }

    /** @return the last LSN handed to the operating system */
    long writtenLsn() {
        return writtenLsn;
    }

    /** @return the last LSN known forced */
    long forcedLsn() {
        return forcedLsn;
    }

    /** @return bytes written since the last force */
    long unforcedBytes() {
        return unforcedBytes;
    }

    /**
     * Writes {@code batch} (consecutive LSNs following {@link #writtenLsn()}) and, if {@code force}, forces it. On
     * return every record of the batch is written; its {@link Pending#segment} and {@link Pending#offset} are set.
     */
    void write(List<Pending> batch, boolean force) throws IOException {
        for (Pending p : batch) {
            int frameBytes = FRAME_HEADER_SIZE + p.payload.length;
            if (!active.fits(frameBytes)) {
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
                active.write(big);
                unforcedBytes += frameBytes;
                writtenLsn = p.lsn;
                bufferedLsn = p.lsn;
            } else {
                FrameCodec.encode(buffer, TYPE_DATA, p.lsn, active.forcedOffset(), p.payload);
                bufferedLsn = p.lsn;
            }
        }
        flush();
        if (force) {
            force();
        }
    }

    /** Forces everything written so far. */
    void force() throws IOException {
        // Forces the records written to the active segment: SYNC appends, sync(), the BATCH timer, sealing and the
        // clean close wait on it. A no-op when nothing was written since the last force.
        active.force();
        forcedLsn = writtenLsn;
        unforcedBytes = 0;
    }

    /**
     * Closes the log cleanly: forces everything, writes the clean-close marker (whose known-forced offset claims the
     * whole segment, so that recovery can tell later damage from a torn tail), forces it, closes the file.
     */
    void closeCleanly() throws IOException {
        force();
        active.writeMarker(TYPE_CLEAN_CLOSE, writtenLsn + 1);
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
     * {@code nextLsn}. A crash between any two steps leaves a state recovery accepts (docs/formats/wal.md).
     */
    private void rotate(long nextLsn) throws IOException {
        Segment old = active;
        // Forces every record of the old segment: the end marker written next claims them all as forced.
        force();
        old.writeMarker(TYPE_SEGMENT_END, nextLsn);
        // Forces the end marker: the next segment may exist only once its predecessor is durably sealed, which is
        // how recovery tells a half-created last segment (no records, safe to discard) from a damaged one.
        old.force();
        active = Segment.create(disk, dir, nextLsn, options);
        segments.put(nextLsn, active.path());
        old.close();
    }

    private void flush() throws IOException {
        if (buffer.position() == 0) {
            return;
        }
        buffer.flip();
        int n = buffer.remaining();
        active.write(buffer);
        buffer.clear();
        unforcedBytes += n;
        writtenLsn = bufferedLsn;
    }
}
