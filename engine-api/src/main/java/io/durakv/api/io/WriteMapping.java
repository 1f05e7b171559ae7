package io.durakv.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writes to the first {@link #size()} bytes of an open {@link DiskFile} that already has at least that size, from
 * {@link DiskFile#mapForWriting(long)}. On {@link LocalDisk} it is a shared memory mapping of the file: a write is a
 * memory copy into the operating system's page cache instead of a {@code pwrite} system call (about 20 ns instead of
 * 2 µs for a 130-byte record on the machine of docs/benchmarks.md), and the bytes are the kernel's as soon as the copy
 * ends, so a killed process cannot lose them: the same promise as {@link DiskFile#write}. Any other disk
 * ({@link SimulatedDisk}, a {@link ForwardingDisk}) gives writes through the file handle ({@link #through}), so a test
 * disk sees every write and force.
 *
 * <p>What a caller must know:
 * <ul>
 *   <li>Bytes written here are made durable by {@link #force()}, not by {@link DiskFile#force(boolean)} (Java does not
 *       promise that a channel's force covers a mapping).</li>
 *   <li>The file must keep its size while mapped, and its blocks should be allocated (written, not a hole): a copy
 *       into a page past the end of the file, or into a hole the file system cannot allocate (a full disk), or a
 *       device error, makes the copy fail with an {@link IOException} instead of a write call's error.</li>
 *   <li>A write to a page a force has just cleaned makes the kernel write-protect and fault it again; with a force
 *       after every few records that costs more than it saves (500 µs instead of 90 µs per write and force measured
 *       on ext4), so mapped writes suit a log forced now and then (batched or unforced modes), not one forced per
 *       record.</li>
 *   <li>{@link #close()} releases the mapping at once (a deleted file's blocks are freed then, not when the garbage
 *       collector gets to it). No call may run on the mapping during or after {@code close}: the caller must order
 *       them (a write into a released mapping is not an error the JVM can catch).</li>
 * </ul>
 *
 * <p>Writes to different ranges may run on different threads at once, and {@link #force()} may run while another
 * thread writes; the caller orders everything else.
 */
public interface WriteMapping extends AutoCloseable {

    /** @return the number of bytes from the start of the file this covers */
    long size();

    /** @return whether writes are memory copies into a mapping (false: write calls through the file handle) */
    boolean mapped();

    /**
     * Writes all of {@code src} at {@code position}; the bytes reach the operating system before this returns but are
     * durable only after {@link #force()}.
     *
     * @throws IllegalArgumentException if {@code [position, position + src.remaining())} is not inside
     *                                  {@code [0, size())}
     * @throws IOException              if the write fails; the range may then hold any mix of old and new bytes
     */
    void write(long position, ByteBuffer src) throws IOException;

    /**
     * Forces every byte written through this to stable storage, with {@code fdatasync} semantics (the file's size is
     * not changed by writes here). If this throws, the fate of the unforced bytes is unknown.
     */
    void force() throws IOException;

    /** Releases the mapping (closes nothing else, forces nothing). Idempotent. */
    @Override
    void close() throws IOException;

    /**
     * Writes through {@code file}'s own {@link DiskFile#write} and {@link DiskFile#force(boolean) force(false)}: what
     * a disk that cannot map gives, and what a caller uses when a mapping does not suit it.
     *
     * @param file the open file; it stays the caller's to close
     * @param size the bytes from the start of the file the writes may cover
     */
    static WriteMapping through(DiskFile file, long size) {
        return new ThroughFileMapping(file, size);
    }
}
