package io.durakv.wal;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.ReadMapping;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static io.durakv.wal.WalFormat.*;

/**
 * A standalone sealed file in the write-ahead log's framing (docs/formats/wal.md, "Standalone framed files"): the
 * 32-byte segment header, data frames, and an end-of-segment marker, with the WAL's CRC32C and validity rules. Engines
 * use it for files they write whole and never change afterwards (Bitcask's merged data and hint files, manifests), so
 * that the framing, checksum and decoding code stay the WAL's one implementation.
 *
 * <p>Unlike a log segment, a framed file is written once and forced once ({@link Writer#finish()}); it is valid only
 * with its end marker, so a file cut short by a crash is detected as incomplete, never read as a shorter file. Each
 * frame carries a caller-chosen sequence number (1 or more, in any order), checked again when the frame is read back
 * by position. The header's first-LSN field is 1 and the frames' known-forced offset is 32 (the header's end): a
 * framed file makes no claim about forces before its end marker.
 *
 * <p>Stateless; {@link Writer} is not thread-safe; the static readers are thread-safe.
 */
public final class FramedFile {

    private static final int BUFFER_BYTES = 1 << 20;

    private FramedFile() {
    }

    /** Receives the frames of a framed file in order. */
    @FunctionalInterface
    public interface FrameVisitor {
        /**
         * @param seq     the frame's sequence number
         * @param offset  the frame's offset in the file, for {@link #readAt}
         * @param payload the frame's bytes; the visitor may keep them
         */
        void accept(long seq, long offset, byte[] payload) throws IOException;
    }

    /** @return the largest payload one frame holds */
    public static int maxPayload() {
        return MAX_PAYLOAD;
    }

    /** @return the bytes one frame of {@code payloadBytes} takes in the file */
    public static long frameBytes(int payloadBytes) {
        return FRAME_HEADER_SIZE + (long) payloadBytes;
    }

    /**
     * Creates {@code path} (which must not exist) and writes its header.
     *
     * @throws java.nio.file.FileAlreadyExistsException if it exists
     */
    public static Writer create(Disk disk, Path path) throws IOException {
        DiskFile file = disk.open(path, OpenMode.CREATE_NEW);
        try {
            return new Writer(file);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Reads every frame of a sealed framed file in order, up to its end marker.
     *
     * @throws CorruptionException naming file and offset if the header or a frame is invalid or the end marker is
     *                             missing (the file is then damaged or was never finished)
     */
    public static void scan(Disk disk, Path path, FrameVisitor visitor) throws IOException {
        try (SegmentReader r = SegmentReader.open(disk, path, SegmentReader.SCAN_WINDOW)) {
            checkHeader(r);
            long pos = HEADER_SIZE;
            while (true) {
                Frame f = r.read(pos, 1, Long.MAX_VALUE);
                if (f == null) {
                    throw new CorruptionException(path, pos, "invalid frame (" + r.problem()
                            + ") before the end marker of a framed file");
                }
                if (f.type() == TYPE_SEGMENT_END) {
                    return;
                }
                if (!f.isData()) {
                    throw new CorruptionException(path, pos, "a " + typeName(f.type()) + " in a framed file");
                }
                visitor.accept(f.lsn(), f.offset(), f.payload());
                pos = f.end();
            }
        }
    }

    /**
     * Reads the payload of the frame at {@code offset}, which must carry sequence number {@code seq}. Opens and
     * closes the file; a caller reading many frames of one file keeps a {@link Reader} instead.
     *
     * @throws CorruptionException naming file and offset if there is no valid data frame with that number there
     */
    public static byte[] readAt(Disk disk, Path path, long offset, long seq) throws IOException {
        try (Reader r = openReader(disk, path, false)) {
            return r.readAt(offset, seq, SegmentReader.POINT_WINDOW);
        }
    }

    /**
     * Opens a finished framed file for point reads over one open handle ({@link Reader#readAt}), read through a
     * read-only mapping of the whole file where the disk gives one ({@link DiskFile#mapForReading}): a copy out of the
     * page cache per read instead of a read call. The file must no longer change: its size is read once, here.
     */
    public static Reader openReader(Disk disk, Path path) throws IOException {
        return openReader(disk, path, true);
    }

    /**
     * As {@link #openReader(Disk, Path)}, with {@code map} false reading by read calls (no mapping).
     */
    public static Reader openReader(Disk disk, Path path, boolean map) throws IOException {
        DiskFile file = disk.open(path, OpenMode.READ);
        try {
            long size = file.size();
            return new Reader(file, size, map && size > 0 ? ReadMapping.mapOrReadThrough(file, 0, size) : null);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Point reads of a finished framed file over one open handle: no open, size query or close per read. Each read
     * checks the frame like {@link FramedFile#readAt(Disk, Path, long, long)}. Thread-safe; closing it while a read
     * runs makes that read fail with an {@link IOException}, never return wrong bytes.
     */
    public static final class Reader implements AutoCloseable {

        private final DiskFile file;
        private final long size;
        private final ReadMapping mapping;

        private Reader(DiskFile file, long size, ReadMapping mapping) {
            this.file = file;
            this.size = size;
            this.mapping = mapping;
        }

        /** @return the file read */
        public Path path() {
            return file.path();
        }

        /**
         * Reads the payload of the frame at {@code offset}, which must carry sequence number {@code seq}.
         *
         * @param expectedFrameBytes the frame's size on disk ({@link #frameBytes(int)}) if the caller knows it: the
         *                           first read call asks for that many bytes (a wrong guess costs one more call)
         * @throws CorruptionException naming file and offset if there is no valid data frame with that number there
         */
        public byte[] readAt(long offset, long seq, int expectedFrameBytes) throws IOException {
            SegmentReader r = SegmentReader.point(file, mapping, size, expectedFrameBytes);
            Frame f = r.read(offset, seq, seq);
            if (f == null || !f.isData()) {
                throw new CorruptionException(file.path(), offset, f == null
                        ? "invalid frame (" + r.problem() + ") where sequence number " + seq + " was written"
                        : "a " + typeName(f.type()) + " where sequence number " + seq + " was written");
            }
            return f.payload();
        }

        /** Closes the mapping and the handle. Idempotent. */
        @Override
        public void close() throws IOException {
            if (mapping != null) {
                mapping.close();
            }
            file.close();
        }
    }

    private static void checkHeader(SegmentReader r) throws IOException {
        if (r.header() < 0) {
            throw new CorruptionException(r.path(), 0, "invalid framed-file header (" + r.problem() + ")");
        }
    }

    /** Writes one framed file: {@link #append} frames, then {@link #finish()}. Not thread-safe. */
    public static final class Writer implements AutoCloseable {

        private final DiskFile file;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
        private long written;
        private long lastSeq;
        private boolean finished;

        private Writer(DiskFile file) throws IOException {
            this.file = file;
            file.write(0, FrameCodec.header(1));
            written = HEADER_SIZE;
        }

        /** @return the file being written */
        public Path path() {
            return file.path();
        }

        /** @return the file's size so far, frames still buffered included */
        public long size() {
            return written + buffer.position();
        }

        /**
         * Appends one frame (buffered; it reaches the file by {@link #finish()} at the latest).
         *
         * @param seq the frame's sequence number, at least 1
         * @return the frame's offset in the file
         * @throws IllegalArgumentException if {@code seq} is below 1 or the payload is over {@link #maxPayload()}
         */
        public long append(long seq, byte[] payload) throws IOException {
            if (seq < 1) {
                throw new IllegalArgumentException("sequence number must be at least 1, got " + seq);
            }
            if (payload.length > MAX_PAYLOAD) {
                throw new IllegalArgumentException("frame of " + payload.length + " bytes is over the maximum of "
                        + MAX_PAYLOAD);
            }
            checkOpen();
            long offset = size();
            int frame = FRAME_HEADER_SIZE + payload.length;
            if (frame > buffer.remaining()) {
                flush();
            }
            if (frame > buffer.capacity()) {
                ByteBuffer big = ByteBuffer.allocate(frame);
                FrameCodec.encode(big, TYPE_DATA, seq, HEADER_SIZE, payload);
                big.flip();
                file.write(written, big);
                written += frame;
            } else {
                FrameCodec.encode(buffer, TYPE_DATA, seq, HEADER_SIZE, payload);
            }
            lastSeq = Math.max(lastSeq, seq);
            return offset;
        }

        /**
         * Writes the end marker and forces the file's data and size. On return the file's content is durable; its
         * name is durable only after the caller forces the directory.
         *
         * @return the file's size
         */
        public long finish() throws IOException {
            checkOpen();
            if (buffer.remaining() < MARKER_SIZE) {
                flush();
            }
            FrameCodec.encode(buffer, TYPE_SEGMENT_END, lastSeq + 1, HEADER_SIZE, new byte[0]);
            flush();
            // Forces every frame and the end marker: the caller publishes the file (rename, manifest) only after it.
            file.force(true);
            finished = true;
            return written;
        }

        private void flush() throws IOException {
            buffer.flip();
            int n = buffer.remaining();
            file.write(written, buffer);
            written += n;
            buffer.clear();
        }

        private void checkOpen() {
            if (finished) {
                throw new IllegalStateException(file.path() + " is already finished");
            }
        }

        /** Closes the file handle (without finishing it, if {@link #finish()} was not called). */
        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
