package io.durakv.wal;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.WriteMapping;
import io.durakv.api.SyncMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static io.durakv.wal.WalFormat.*;

/**
 * The active segment, open for writing: where the next frame goes ({@link #writeOffset()}) and how much of the file is
 * known forced ({@link #forcedOffset()}). Also the segment creation protocol ({@link #create}).
 *
 * <p>Not thread-safe, with one exception: the holder of the log's force turn may call {@link #forceTo} while the
 * holder of its write turn writes (see {@link GroupCommitter}); everything else belongs to the write-turn holder.
 */
final class Segment implements AutoCloseable {

    private static final int ZERO_CHUNK = 1 << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    private final Path path;
    private final long firstLsn;
    private final long capacity;
    private final DiskFile file;
    /**
     * Where every write after creation goes, forced by {@link WriteMapping#force()}: a memory mapping of the whole
     * preallocated segment in BATCH and NONE mode where the disk maps files, writes through {@link #file} otherwise.
     */
    private final WriteMapping out;
    private long writeOffset;
    /** Written by the force-turn holder, read by the writer (frames record it): volatile. Only grows. */
    private volatile long forcedOffset;

    private Segment(Path path, long firstLsn, long capacity, DiskFile file, WriteMapping out, long writeOffset,
                    long forcedOffset) {
        this.path = path;
        this.firstLsn = firstLsn;
        this.capacity = capacity;
        this.file = file;
        this.out = out;
        this.writeOffset = writeOffset;
        this.forcedOffset = forcedOffset;
    }

    /**
     * Opens what the segment's writes go through. A mapping only where it pays and is safe: BATCH and NONE (a force
     * after every record makes the kernel fault each written page again, which costs more than the write calls it
     * saves: 500 µs instead of 90 µs per record and force, measured), {@link WalOptions#mappedWrites()}, and a file
     * preallocated to exactly the segment size (so no write can fall in a hole or past the mapping), with room for
     * the closing markers after {@code writeOffset}: a reopened segment's records may end later than a data frame may
     * (one a crash left without preallocation, reopened with the segment size set to its file size), and its end
     * marker then goes past the file's end, which only writes through the file handle can do.
     */
    private static WriteMapping output(DiskFile file, WalOptions options, long writeOffset) throws IOException {
        long size = file.size();
        if (options.syncMode() != SyncMode.SYNC && options.mappedWrites() && options.preallocate()
                && size == options.segmentBytes() && writeOffset + SEGMENT_RESERVE <= size) {
            return file.mapForWriting(size);
        }
        return WriteMapping.through(file, Long.MAX_VALUE);
    }

    /**
     * Creates segment {@code wal-<firstLsn>.log}, reusing a file from {@code pool} if it has one, and forces it and its
     * name. On return the segment exists durably and holds no record; only then may a record be written to it,
     * because recovery treats a last segment without a valid header, or a recycled one without a record of its own,
     * as a leftover of an interrupted creation.
     *
     * <p>A failed write, create or rename (a full disk) is undone before it is thrown: a half-created file is deleted,
     * a recycled file goes back to the pool, so the caller may try again later. A failed force, or a failed undo,
     * throws {@link FatalIOException}.
     */
    static Segment create(Disk disk, Path dir, long firstLsn, WalOptions options, SegmentPool pool)
            throws IOException {
        Path recycled = pool.take();
        return recycled != null ? reuse(disk, dir, firstLsn, options, pool, recycled)
                : createNew(disk, dir, firstLsn, options);
    }

    /** Creates a new file: header, optional zero-fill preallocation, then the file and its name forced. */
    private static Segment createNew(Disk disk, Path dir, long firstLsn, WalOptions options) throws IOException {
        Path path = dir.resolve(fileName(firstLsn));
        DiskFile file = disk.open(path, OpenMode.CREATE_NEW);
        try {
            file.write(0, FrameCodec.header(firstLsn, 0, options.preallocate() ? capacity(options) : 0));
            if (options.preallocate()) {
                writeZeros(file, HEADER_SIZE, options.segmentBytes());
            }
        } catch (IOException e) {
            // Undoes the creation, so that a later rotation can create the segment afresh. Unforced, the deletion may
            // be lost in a crash; recovery then finds a last segment with no record, the leftover of an interrupted
            // creation, and discards it.
            closeQuietly(file, e);
            FatalIOException.fatal("deleting the half-created segment " + path, () -> disk.delete(path));
            throw e;
        } catch (RuntimeException e) {
            closeQuietly(file, e);
            throw e;
        }
        try {
            // Forces the header and the preallocated blocks with the file size: records' known-forced offsets start
            // at the header, and steady-state force(false) calls then never allocate or change the size.
            FatalIOException.fatal("forcing the new segment " + path, () -> file.force(true));
            // Forces the new name: a record in this segment is acknowledged only after this, so a crash cannot lose
            // the file under it.
            FatalIOException.fatal("forcing the directory entry of " + path, () -> disk.forceDirectory(dir));
            return new Segment(path, firstLsn, options.segmentBytes(), file, output(file, options, HEADER_SIZE),
                    HEADER_SIZE, HEADER_SIZE);
        } catch (IOException | RuntimeException e) {
            closeQuietly(file, e);
            throw e;
        }
    }

    /**
     * Reuses a truncated segment's file: writes a header naming {@code firstLsn} with {@link WalFormat#FLAG_RECYCLED}
     * over the old one, forces it, then renames the file to the segment's name and forces the directory. The old
     * frames stay behind the header; their LSNs are below {@code firstLsn}, so no reader takes them for records of
     * this segment. The file's size and blocks are those of a full segment already, so {@code force(false)} suffices.
     * A failed header write or rename gives the file back to the pool (its content never matters there).
     */
    private static Segment reuse(Disk disk, Path dir, long firstLsn, WalOptions options, SegmentPool pool,
                                 Path recycled) throws IOException {
        Path path = dir.resolve(fileName(firstLsn));
        DiskFile file;
        try {
            file = disk.open(recycled, OpenMode.READ_WRITE);
        } catch (IOException e) {
            pool.giveBack(recycled);
            throw e;
        }
        try {
            try {
                file.write(0, FrameCodec.header(firstLsn, FLAG_RECYCLED, capacity(options)));
            } catch (IOException e) {
                pool.giveBack(recycled);
                throw e;
            }
            // Forces the new header before the file takes the segment's name: a recycled file that recovery finds
            // under a segment name always names that segment.
            FatalIOException.fatal("forcing the header of recycled " + recycled, () -> file.force(false));
            try {
                disk.rename(recycled, path);
            } catch (IOException e) {
                pool.giveBack(recycled);
                throw e;
            }
            // Forces the rename: a record in this segment is acknowledged only after this.
            FatalIOException.fatal("forcing the directory entry of " + path, () -> disk.forceDirectory(dir));
            return new Segment(path, firstLsn, options.segmentBytes(), file, output(file, options, HEADER_SIZE),
                    HEADER_SIZE, HEADER_SIZE);
        } catch (IOException | RuntimeException e) {
            closeQuietly(file, e);
            throw e;
        }
    }

    /**
     * The LSN a spare file's header names ({@link #createSpare}): no segment ever starts there, so recovery keeps the
     * file for the pool, and there is at most one spare at a time.
     */
    static final long SPARE_LSN = Long.MAX_VALUE;

    /**
     * Makes a spare segment file for the pool ahead of rotation, off the appenders' path: a header naming
     * {@link #SPARE_LSN}, zeros to the segment size, forced with its size ({@code force(true)}), under the recycle
     * name of {@code SPARE_LSN}. Rotation then reuses it like a truncated segment's file instead of zero-filling a new
     * file while an appender waits. It holds no record, so no crash state of it can matter: a file cut short or
     * with a damaged header is deleted by recovery, a whole one is kept for the pool. The directory is not forced: a
     * lost name only loses the spare, and rotation forces the directory when it renames the file.
     *
     * <p>Nothing here is fatal to the log (the file holds no data): a failed call deletes what was made (as far as it
     * can) and throws. {@code cancelled} is asked between megabytes of zeros (and before the force): once true, what
     * was made is deleted and null returned.
     *
     * @return the spare's path, or null if cancelled
     */
    static Path createSpare(Disk disk, Path dir, WalOptions options, java.util.function.BooleanSupplier cancelled)
            throws IOException {
        Path path = dir.resolve(recycleName(SPARE_LSN));
        DiskFile file = disk.open(path, OpenMode.CREATE_NEW);
        try {
            try (file) {
                file.write(0, FrameCodec.header(SPARE_LSN, FLAG_RECYCLED, capacity(options)));
                WriteMapping out = WriteMapping.through(file, Long.MAX_VALUE);
                for (long pos = HEADER_SIZE; pos < options.segmentBytes(); pos += ZERO_CHUNK) {
                    if (cancelled.getAsBoolean()) {
                        break;
                    }
                    writeZeros(out, pos, Math.min(options.segmentBytes(), pos + ZERO_CHUNK));
                }
                if (!cancelled.getAsBoolean()) {
                    file.force(true);
                    return path;
                }
            }
            disk.delete(path);
            return null;
        } catch (IOException | RuntimeException e) {
            try {
                disk.delete(path);
            } catch (IOException | RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    /**
     * Opens an existing segment whose valid frames end at {@code end}, for appending there. The caller (recovery) must
     * {@link #forceAll()} before any record is written, so that {@code end} is truly forced.
     */
    static Segment reopen(Disk disk, Path path, long firstLsn, long end, WalOptions options) throws IOException {
        DiskFile file = disk.open(path, OpenMode.READ_WRITE);
        try {
            return new Segment(path, firstLsn, options.segmentBytes(), file, output(file, options, end), end,
                    HEADER_SIZE);
        } catch (IOException | RuntimeException e) {
            closeQuietly(file, e);
            throw e;
        }
    }

    /** @return the preallocated size a header records: the segment size (at most 1 GiB, so it fits) */
    private static int capacity(WalOptions options) {
        return Math.toIntExact(options.segmentBytes());
    }

    /** Writes zeros over {@code [from, to)} of {@code file}, a megabyte per call. */
    static void writeZeros(DiskFile file, long from, long to) throws IOException {
        writeZeros(WriteMapping.through(file, Long.MAX_VALUE), from, to);
    }

    /** Writes zeros over {@code [from, to)} through {@code out}, a megabyte per call. */
    private static void writeZeros(WriteMapping out, long from, long to) throws IOException {
        for (long pos = from; pos < to; ) {
            int n = (int) Math.min(ZERO_CHUNK, to - pos);
            out.write(pos, ZEROS.duplicate().limit(n));
            pos += n;
        }
    }

    /** @return the segment file */
    Path path() {
        return path;
    }

    /** @return the LSN of the segment's first record (which may not be written yet) */
    long firstLsn() {
        return firstLsn;
    }

    /** @return where the next frame will be written */
    long writeOffset() {
        return writeOffset;
    }

    /** @return the offset up to which the segment is known forced */
    long forcedOffset() {
        return forcedOffset;
    }

    /** @return whether a data frame of {@code frameBytes} fits, leaving room for the closing markers */
    boolean fits(long frameBytes) {
        return writeOffset + frameBytes + SEGMENT_RESERVE <= capacity;
    }

    /** Writes {@code frames} (whole encoded frames) at the write offset; the bytes reach the OS before this returns. */
    void write(ByteBuffer frames) throws IOException {
        int n = frames.remaining();
        out.write(writeOffset, frames);
        writeOffset += n;
    }

    /** Overwrites {@code [from, to)} with zeros, e.g. a dropped torn tail. Does not move the write offset. */
    void zero(long from, long to) throws IOException {
        writeZeros(out, from, to);
    }

    /** Re-writes {@code [from, to)} with the bytes it holds, so that the next force really stores them. */
    void rewrite(long from, long to) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(ZERO_CHUNK, Math.max(0, to - from)));
        for (long pos = from; pos < to; ) {
            buf.clear().limit((int) Math.min(buf.capacity(), to - pos));
            file.readFully(pos, buf);
            buf.flip();
            out.write(pos, buf);
            pos += buf.limit();
        }
    }

    /**
     * Forces every written byte with {@code fdatasync} semantics; callers say what depends on it. Does nothing if
     * nothing was written since the last force. Only for a caller that also owns the writing (rotation, close).
     */
    void force() throws IOException {
        forceTo(writeOffset);
    }

    /**
     * Forces the bytes written before {@code offset} with {@code fdatasync} semantics, while another thread may be
     * writing past it; callers say what depends on it. Does nothing if they are forced already.
     */
    void forceTo(long offset) throws IOException {
        if (forcedOffset < offset) {
            out.force();
            forcedOffset = offset;
        }
    }

    /** Forces data and metadata unconditionally (recovery: the size and any rewritten or zeroed bytes). */
    void forceAll() throws IOException {
        if (out.mapped()) {
            out.force();
        }
        file.force(true);
        forcedOffset = writeOffset;
    }

    /**
     * Forces the file whatever the known-forced offset says: after zeroing a range past the write offset (the bytes a
     * failed write may have changed), which no record's known-forced offset covers. Does not move that offset.
     */
    void forceZeroed() throws IOException {
        out.force();
    }

    /**
     * Encodes a marker frame for the write offset. Write it right after {@link #force()}: the marker's known-forced
     * offset is its own offset, which is what tells recovery that every byte before it was forced.
     */
    ByteBuffer marker(byte type, long nextLsn) {
        if (forcedOffset != writeOffset) {
            throw new IllegalStateException("marker written before a force: forced " + forcedOffset + " of "
                    + writeOffset + " in " + path);
        }
        ByteBuffer b = ByteBuffer.allocate(MARKER_SIZE);
        FrameCodec.encode(b, type, nextLsn, forcedOffset, new byte[0]);
        b.flip();
        return b;
    }

    @Override
    public void close() throws IOException {
        try {
            out.close();
        } finally {
            file.close();
        }
    }

    /** @return whether writes go into a memory mapping of the file (for tests and the log's description) */
    boolean mapped() {
        return out.mapped();
    }

    private static void closeQuietly(DiskFile file, Exception cause) {
        try {
            file.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public String toString() {
        return "Segment[" + path + ", write=" + writeOffset + ", forced=" + forcedOffset + "]";
    }
}
