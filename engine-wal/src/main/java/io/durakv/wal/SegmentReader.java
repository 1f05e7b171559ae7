package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

import static io.durakv.wal.WalFormat.*;

/**
 * Decodes one segment file: its header and the frame at any offset, plus the two scans recovery needs past the first
 * invalid frame ({@link #lastNonZeroByte(long)}, {@link #scanBeyond(long, long, long)}). Reads go through
 * a window of the file, so a sequential scan costs one read call per megabyte, not one per record.
 *
 * <p>A frame is valid only if its type is known, its reserved bytes are zero, its length fits in the file, its
 * known-forced offset is not past its own start, its CRC32C matches and its LSN is the one expected. Zeros, garbage,
 * torn writes and stale bytes all fail one of these; the reason is kept in {@link #problem()}.
 *
 * <p>Not thread-safe: one reader per scan.
 */
final class SegmentReader implements AutoCloseable {

    /** Window for sequential scans: one read call per megabyte. */
    static final int SCAN_WINDOW = 1 << 20;
    /** Window for reading one frame or a header. */
    static final int POINT_WINDOW = 4 << 10;

    private final DiskFile file;
    /** A read mapping of a prefix of the file the caller keeps ({@link #point}), read from where it covers; or null. */
    private io.durakv.api.io.ReadMapping mapping;
    /** Whether {@link #close()} closes the file (false: the caller keeps it open for other reads). */
    private final boolean ownsFile;
    private final long size;
    private final int windowSize;
    private byte[] window = new byte[0];
    private ByteBuffer view = ByteBuffer.wrap(window).order(ORDER);
    private long windowStart;
    private int windowLength;
    private String problem = "";
    private int flags;
    private long capacity;

    private SegmentReader(DiskFile file, int windowSize, boolean ownsFile) throws IOException {
        this(file, windowSize, ownsFile, file.size());
    }

    private SegmentReader(DiskFile file, int windowSize, boolean ownsFile, long size) {
        this.file = file;
        this.ownsFile = ownsFile;
        this.size = size;
        this.windowSize = windowSize;
    }

    /** Opens {@code path} read-only, reading {@code windowSize} bytes (or what a frame needs) per read call. */
    static SegmentReader open(Disk disk, Path path, int windowSize) throws IOException {
        DiskFile f = disk.open(path, OpenMode.READ);
        try {
            return new SegmentReader(f, windowSize, true);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** A reader over a file the caller keeps open (a cached read handle); {@link #close()} leaves it open. */
    static SegmentReader over(DiskFile file, int windowSize) throws IOException {
        return new SegmentReader(file, windowSize, false);
    }

    /**
     * A point reader over an open file the caller keeps, trusting {@code size}, whose first read call asks for
     * {@code expectedBytes} (the frame's size if the caller knows it, header included; at least a frame header, at
     * most {@link #POINT_WINDOW}) so that a small frame costs one small read; a frame longer than that costs a second
     * read. Reads into the calling thread's reused window; frames' payloads are copies. Bytes {@code mapping} (if
     * not null) covers are copied out of it instead of read by a call.
     */
    static SegmentReader point(DiskFile file, io.durakv.api.io.ReadMapping mapping, long size, int expectedBytes) {
        byte[] buffer = POINT_BUFFER.get();
        SegmentReader r = new SegmentReader(file,
                Math.max(FRAME_HEADER_SIZE, Math.min(expectedBytes, buffer.length)), false, size);
        r.mapping = mapping;
        r.window = buffer;
        r.view = ByteBuffer.wrap(buffer).order(ORDER);
        return r;
    }

    /** Each reading thread's window for point reads: the payload is copied out, so the window can be reused. */
    private static final ThreadLocal<byte[]> POINT_BUFFER = ThreadLocal.withInitial(() -> new byte[POINT_WINDOW]);

    /** @return the file's path */
    Path path() {
        return file.path();
    }

    /** @return the file's size when the reader was opened */
    long size() {
        return size;
    }

    /** @return the flags of the header, once {@link #header()} found it valid */
    int flags() {
        return flags;
    }

    /** @return the preallocated size the header records (0: the segment grows), once {@link #header()} found it valid */
    long capacity() {
        return capacity;
    }

    /**
     * @return a description of how the file was cut short, if it is shorter than the size its header says it was
     *         preallocated to (and forced at) before any record was written; null otherwise
     */
    String cutShort() {
        return capacity > 0 && size < capacity ? "the file has " + size + " bytes, but its header says it was "
                + "preallocated to " + capacity + " bytes before any record was written: it was cut short" : null;
    }

    /** @return why the last {@link #header()} or {@link #read} returned null */
    String problem() {
        return problem;
    }

    /**
     * Reads the segment header.
     *
     * @return the first LSN the header names, or -1 if the header is invalid (see {@link #problem()})
     * @throws StoreException if the header is valid but of a format version this code does not read
     */
    long header() throws IOException {
        if (!fill(0, HEADER_SIZE)) {
            return invalid("segment header cut off: the file has only " + size + " bytes");
        }
        int at = index(0);
        if (!Arrays.equals(window, at + HEADER_MAGIC, at + HEADER_MAGIC + MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return invalid(allZero(at, HEADER_SIZE) ? "segment header is all zeros" : "bad magic in segment header");
        }
        if (view.getInt(at + HEADER_CRC) != FrameCodec.crc(window, at, HEADER_CRC)) {
            return invalid("segment header checksum mismatch");
        }
        int version = view.getInt(at + HEADER_VERSION);
        if (version > VERSION) {
            throw new StoreException(path() + " has WAL format version " + version
                    + ", written by a newer DuraKV; this version reads versions " + MIN_READABLE_VERSION + " to "
                    + VERSION);
        }
        if (version < MIN_READABLE_VERSION) {
            throw new StoreException(path() + " has WAL format version " + version
                    + ", older than the oldest this version reads (" + MIN_READABLE_VERSION + ")");
        }
        long firstLsn = view.getLong(at + HEADER_FIRST_LSN);
        if (firstLsn < 1) {
            return invalid("segment header names first LSN " + firstLsn);
        }
        int headerFlags = view.getInt(at + HEADER_FLAGS);
        if ((headerFlags & ~KNOWN_FLAGS) != 0) {
            return invalid("unknown segment header flags 0x" + Integer.toHexString(headerFlags));
        }
        int headerCapacity = view.getInt(at + HEADER_CAPACITY);
        if (headerCapacity < 0 || (headerCapacity > 0 && headerCapacity < HEADER_SIZE)) {
            return invalid("impossible preallocated size " + Integer.toUnsignedString(headerCapacity)
                    + " in segment header");
        }
        flags = headerFlags;
        capacity = headerCapacity;
        return firstLsn;
    }

    /**
     * Reads the frame at {@code offset} if it is valid and its LSN is in {@code [minLsn, maxLsn]}.
     *
     * @return the frame, or null (see {@link #problem()})
     */
    Frame read(long offset, long minLsn, long maxLsn) throws IOException {
        if (!fill(offset, FRAME_HEADER_SIZE)) {
            return invalidFrame(offset >= size ? "end of file" : "frame header cut off by the end of the file");
        }
        int at = index(offset);
        if (allZero(at, FRAME_HEADER_SIZE)) {
            return invalidFrame("zeros (never written)");
        }
        byte type = window[at + FRAME_TYPE];
        int length = view.getInt(at + FRAME_LENGTH);
        long lsn = view.getLong(at + FRAME_LSN);
        long forced = view.getLong(at + FRAME_FORCED_OFFSET);
        if (type != TYPE_DATA && type != TYPE_SEGMENT_END && type != TYPE_CLEAN_CLOSE) {
            return invalidFrame("unknown frame type " + type);
        }
        if (window[at + FRAME_RESERVED] != 0 || window[at + FRAME_RESERVED + 1] != 0
                || window[at + FRAME_RESERVED + 2] != 0) {
            return invalidFrame("non-zero reserved bytes");
        }
        if (length < 0 || length > MAX_PAYLOAD || (type != TYPE_DATA && length != 0)) {
            return invalidFrame("impossible length " + Integer.toUnsignedString(length) + " for a "
                    + typeName(type));
        }
        if (forced < HEADER_SIZE || forced > offset) {
            return invalidFrame("known-forced offset " + forced + " outside [" + HEADER_SIZE + ", " + offset + "]");
        }
        if (!fill(offset, FRAME_HEADER_SIZE + length)) {
            return invalidFrame("a " + length + "-byte record cut off by the end of the file");
        }
        at = index(offset);
        if (view.getInt(at + FRAME_CRC) != FrameCodec.crc(window, at + FRAME_LENGTH,
                FRAME_HEADER_SIZE - FRAME_LENGTH + length)) {
            return invalidFrame("checksum mismatch");
        }
        if (lsn < minLsn || lsn > maxLsn) {
            return invalidFrame(minLsn == maxLsn ? "LSN " + lsn + " where " + minLsn + " was expected"
                    : "LSN " + lsn + " outside [" + minLsn + ", " + maxLsn + "]");
        }
        byte[] payload = Arrays.copyOfRange(window, at + FRAME_HEADER_SIZE, at + FRAME_HEADER_SIZE + length);
        return new Frame(offset, type, lsn, forced, payload);
    }

    /** @return the offset of the last non-zero byte in {@code [from, size)}, or -1 if there is none */
    long lastNonZeroByte(long from) throws IOException {
        long end = size;
        while (end > from) {
            long start = Math.max(from, end - SCAN_WINDOW);
            fill(start, (int) (end - start));
            int base = index(start);
            for (int i = base + (int) (end - start) - 1; i >= base; i--) {
                if (window[i] != 0) {
                    return start + (i - base);
                }
            }
            end = start;
        }
        return -1;
    }

    /**
     * What {@link #scanBeyond} found after the first invalid frame.
     *
     * @param claim       the first valid frame whose known-forced offset is past the damaged offset (proof that the
     *                    damaged bytes had been forced), or null
     * @param leftoverEnd the end of the last valid frame seen (0 if none): frames of the same run the crash cut off
     * @param sawRecord   whether a valid data frame (not a marker) was seen
     */
    record Beyond(Frame claim, long leftoverEnd, boolean sawRecord) {
    }

    /**
     * Looks, at every byte offset in {@code (damaged, lastByte]}, for valid frames with LSN at least {@code minLsn}:
     * the first one whose known-forced offset is past {@code damaged} proves that the bytes at {@code damaged} had
     * been forced when it was written; the others are leftovers of the same run, skipped whole.
     */
    Beyond scanBeyond(long damaged, long lastByte, long minLsn) throws IOException {
        return scan(damaged, lastByte, minLsn, true);
    }

    /** @return whether a valid data frame with LSN at least {@code minLsn} starts anywhere in {@code [from, lastByte]} */
    boolean holdsRecordFrom(long from, long lastByte, long minLsn) throws IOException {
        return scan(from - 1, lastByte, minLsn, false).sawRecord();
    }

    private Beyond scan(long damaged, long lastByte, long minLsn, boolean stopAtClaim) throws IOException {
        long pos = damaged + 1;
        long leftoverEnd = 0;
        boolean sawRecord = false;
        while (pos <= lastByte && pos + FRAME_HEADER_SIZE <= size) {
            if (!fill(pos, FRAME_HEADER_SIZE)) {
                break;
            }
            int at = index(pos);
            byte type = window[at + FRAME_TYPE];
            boolean plausible = (type == TYPE_DATA || type == TYPE_SEGMENT_END || type == TYPE_CLEAN_CLOSE)
                    && window[at + FRAME_RESERVED] == 0 && window[at + FRAME_RESERVED + 1] == 0
                    && window[at + FRAME_RESERVED + 2] == 0 && view.getLong(at + FRAME_LSN) >= minLsn;
            Frame f = plausible ? read(pos, minLsn, Long.MAX_VALUE) : null;
            if (f == null) {
                pos++;
            } else if (stopAtClaim && f.forcedOffset() > damaged) {
                return new Beyond(f, Math.max(leftoverEnd, f.end()), sawRecord || f.isData());
            } else if (!stopAtClaim && f.isData()) {
                return new Beyond(null, f.end(), true);
            } else {
                sawRecord |= f.isData();
                leftoverEnd = f.end();
                pos = f.end();
            }
        }
        return new Beyond(null, leftoverEnd, sawRecord);
    }

    /** @return whether {@code [position, position + length)} is within the file and now in the window */
    private boolean fill(long position, int length) throws IOException {
        // Not position + length > size: an offset near Long.MAX_VALUE (a caller's WalPosition) would overflow.
        if (position < 0 || length < 0 || position > size - length) {
            return false;
        }
        if (position >= windowStart && position + length <= windowStart + windowLength) {
            return true;
        }
        int want = (int) Math.min(Math.max(windowSize, length), size - position);
        if (window.length < want) {
            window = new byte[want];
            view = ByteBuffer.wrap(window).order(ORDER);
        }
        windowStart = position;
        windowLength = 0;
        if (mapping != null && position - mapping.position() <= mapping.size() - want
                && position >= mapping.position()) {
            mapping.read(position, window, 0, want);
        } else {
            file.readFully(position, ByteBuffer.wrap(window, 0, want));
        }
        windowLength = want;
        return true;
    }

    private int index(long position) {
        return (int) (position - windowStart);
    }

    private boolean allZero(int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (window[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private long invalid(String why) {
        problem = why;
        return -1;
    }

    private Frame invalidFrame(String why) {
        problem = why;
        return null;
    }

    @Override
    public void close() throws IOException {
        if (ownsFile) {
            file.close();
        }
    }
}
