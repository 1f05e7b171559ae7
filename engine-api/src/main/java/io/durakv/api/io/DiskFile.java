package io.durakv.api.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * An open file of a {@link Disk}: positional reads and writes, append, force, truncate. Positional calls are safe from
 * many threads at once; {@link #append(ByteBuffer)} is atomic with respect to other appends on this handle only.
 */
public interface DiskFile extends AutoCloseable {

    /** @return the file's path */
    Path path();

    /** @return the file's current size in bytes (written, not necessarily forced) */
    long size() throws IOException;

    /**
     * Reads up to {@code dst.remaining()} bytes starting at {@code position}.
     *
     * @return the number of bytes read, or -1 if {@code position} is at or past the end of the file
     */
    int read(long position, ByteBuffer dst) throws IOException;

    /**
     * Reads exactly {@code dst.remaining()} bytes starting at {@code position}.
     *
     * @throws EOFException if the file ends first
     */
    default void readFully(long position, ByteBuffer dst) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = read(pos, dst);
            if (n < 0) {
                throw new EOFException("end of " + path() + " at offset " + pos + " while reading "
                        + dst.remaining() + " more bytes");
            }
            pos += n;
        }
    }

    /**
     * Writes all of {@code src} at {@code position}, growing the file if needed (a gap reads as zeros). The bytes
     * reach the operating system before this returns (a killed process cannot lose them) but are durable only after
     * {@link #force(boolean)}.
     */
    void write(long position, ByteBuffer src) throws IOException;

    /**
     * Writes all of {@code src} at the end of the file.
     *
     * @return the position the bytes were written at
     */
    long append(ByteBuffer src) throws IOException;

    /**
     * Forces written bytes to stable storage. {@code metadata=false} is {@code fdatasync}: data and the size needed to
     * read it, not timestamps; {@code metadata=true} is {@code fsync}. Neither makes the file's directory entry
     * durable: see {@link Disk#forceDirectory(Path)}.
     *
     * <p>If this throws, the fate of the unforced bytes is unknown; a later successful force does not bring them back.
     */
    void force(boolean metadata) throws IOException;

    /**
     * Opens a {@link WriteMapping} over the first {@code size} bytes of this file, for writes that are memory copies
     * into the page cache where the disk can map files ({@link LocalDisk}). The default gives writes through this
     * handle ({@link WriteMapping#through}): so does every disk but {@link LocalDisk}, including a
     * {@link ForwardingDisk}, whose wrappers thus see every write. The handle must stay open while the mapping is
     * used; close the mapping first.
     *
     * @param size the bytes from the start of the file to cover; the file must already be at least that long (it is
     *             never grown here)
     * @throws IOException if the file is shorter than {@code size} or cannot be mapped
     */
    default WriteMapping mapForWriting(long size) throws IOException {
        if (size() < size) {
            throw new IOException("cannot map " + size + " bytes of " + path() + ": the file has only " + size());
        }
        return WriteMapping.through(this, size);
    }

    /**
     * Opens a {@link ReadMapping} over {@code [position, position + size)} of this file, for reads that are memory
     * copies out of the page cache where the disk can map files ({@link LocalDisk} on Java 22 and later, for a range
     * of at most {@code Integer.MAX_VALUE - 8} bytes). The default
     * gives reads through this handle ({@link ReadMapping#through}): so does every disk but {@link LocalDisk},
     * including a {@link ForwardingDisk}, whose wrappers thus see every read. The handle must stay open while the
     * mapping is used; close the mapping first.
     *
     * @param position the file offset the mapping starts at
     * @param size     the bytes it covers; the file must already reach {@code position + size} (it is never grown
     *                 here)
     * @throws IllegalArgumentException if {@code position} or {@code size} is negative
     * @throws IOException              if the file is shorter than {@code position + size} or cannot be mapped
     */
    default ReadMapping mapForReading(long position, long size) throws IOException {
        ThroughFileReadMapping.checkReadable(this, position, size);
        return ReadMapping.through(this, position, size);
    }

    /** Cuts the file to {@code size} bytes (does nothing if it is not larger). Durable after a force. */
    void truncate(long size) throws IOException;

    /** Closes the handle. Does not force. Idempotent. */
    @Override
    void close() throws IOException;
}
