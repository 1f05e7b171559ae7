package io.durakv.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads of the range {@code [position(), position() + size())} of an open {@link DiskFile}, from
 * {@link DiskFile#mapForReading(long, long)}. On {@link LocalDisk} (Java 22 and later) it is a read-only shared memory
 * mapping of the file: a read is a memory copy out of the operating system's page cache instead of a {@code pread}
 * system call (about 0.1 µs instead of 1.5–2 µs for a small record on the machine of docs/benchmarks.md). Any other
 * disk ({@link SimulatedDisk}, a {@link ForwardingDisk}) and older JVMs read through the file handle
 * ({@link #through}), so a test disk sees every read.
 *
 * <p>A mapping shows what the page cache holds: bytes written to the file after the mapping was made, by this process
 * or another, through a write call or a {@link WriteMapping}, are read here as soon as they were written.
 *
 * <p>What a caller must know:
 * <ul>
 *   <li>The file must keep at least its size while mapped: a read of a page past the end of a file cut short (or a
 *       device error) fails with an {@link IOException}, as a read call would fail or come back short.</li>
 *   <li>{@link #close()} releases the mapping at once (a deleted file's blocks are freed then). A read that runs into
 *       a close, on this thread or another, throws {@link java.nio.channels.ClosedChannelException}; it never reads
 *       released memory. (This is why LocalDisk maps reads only where the JVM's foreign memory API guards every
 *       access, Java 22 and later.)</li>
 *   <li>Mapped pages count in the process's resident memory while they are in the page cache; the kernel reclaims
 *       them like any cached file page. Each mapping takes one of the process's memory-map areas
 *       ({@code vm.max_map_count}, 65 530 by default on Linux): past 16 384 open at once, {@link LocalDisk} gives reads
 *       through the handle instead.</li>
 * </ul>
 *
 * <p>Reads may run on many threads at once.
 */
public interface ReadMapping extends AutoCloseable {

    /** @return the file offset the mapping starts at */
    long position();

    /** @return the number of bytes the mapping covers */
    long size();

    /** @return whether reads are memory copies out of a mapping (false: read calls through the file handle) */
    boolean mapped();

    /**
     * Reads exactly {@code dst.remaining()} bytes at file offset {@code position} into {@code dst}, advancing its
     * position.
     *
     * @throws IllegalArgumentException if {@code [position, position + dst.remaining())} is not inside the mapping
     * @throws IOException              if the read fails (the file was cut short, a device error, the mapping closed)
     */
    void read(long position, ByteBuffer dst) throws IOException;

    /**
     * Reads exactly {@code length} bytes at file offset {@code position} into {@code dst[offset, offset + length)}.
     *
     * @throws IllegalArgumentException if {@code [position, position + length)} is not inside the mapping
     * @throws IndexOutOfBoundsException if {@code [offset, offset + length)} is not inside {@code dst}
     * @throws IOException              as {@link #read(long, ByteBuffer)}
     */
    default void read(long position, byte[] dst, int offset, int length) throws IOException {
        read(position, ByteBuffer.wrap(dst, offset, length));
    }

    /** Releases the mapping (closes nothing else). Idempotent. */
    @Override
    void close();

    /**
     * Reads through {@code file}'s own {@link DiskFile#readFully}: what a disk that cannot map gives.
     *
     * @param file     the open file; it stays the caller's to close
     * @param position the file offset the reads may start at
     * @param size     the bytes from {@code position} on that the reads may cover
     */
    static ReadMapping through(DiskFile file, long position, long size) {
        return new ThroughFileReadMapping(file, position, size);
    }

    /**
     * {@link DiskFile#mapForReading}, or reads through the handle ({@link #through}) if the mapping cannot be made now
     * (logged at WARN): {@code mmap} refused, e.g. the process's memory-map areas ({@code vm.max_map_count}) used up.
     * A mapping is an optimisation; no caller should fail its reads for the lack of one.
     *
     * @throws IllegalArgumentException if {@code position} or {@code size} is negative
     */
    static ReadMapping mapOrReadThrough(DiskFile file, long position, long size) {
        try {
            return file.mapForReading(position, size);
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(ReadMapping.class).warn(
                    "cannot map [{}, {}) of {} for reading; reading it through read calls: {}", position,
                    position + size, file.path(), e.toString());
            return through(file, position, size);
        }
    }

    /**
     * Checks that {@code [position, position + length)} lies inside {@code [start, start + size)}.
     *
     * @throws IllegalArgumentException if it does not
     */
    static void checkRange(java.nio.file.Path path, long start, long size, long position, int length) {
        if (length < 0 || position < start || position - start > size - length) {
            throw new IllegalArgumentException("a read of " + length + " bytes at offset " + position + " of "
                    + path + " is outside its mapping of [" + start + ", " + (start + size) + ")");
        }
    }
}
