package io.durakv.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * {@link LocalDisk}'s {@link ReadMapping}: a read-only shared mapping of a range of the file that belongs to a shared
 * arena of the foreign memory API ({@link ForeignMemory}), read through a {@link ByteBuffer} view. Only made where
 * that API exists (Java 22 and later): there every access checks the arena, so a read racing {@link #close()} throws
 * instead of touching released memory, which a plain {@code MappedByteBuffer} released by the JDK's cleaner would.
 */
final class LocalReadMapping implements ReadMapping {

    private static final ForeignMemory FOREIGN = ForeignMemory.find();

    /**
     * The most read mappings open at once in this process. Each takes one of its memory-map areas
     * ({@code vm.max_map_count}, 65 530 by default on Linux), which the JVM itself needs (thread stacks, heap, code):
     * past this, {@link LocalDisk}'s {@code mapForReading} reads through the handle instead, so that a store of very many
     * small files cannot use them all up.
     */
    static final int MAX_OPEN = 16_384;
    private static final java.util.concurrent.atomic.AtomicInteger OPEN = new java.util.concurrent.atomic.AtomicInteger();

    private final Path path;
    private final long position;
    private final int size;
    private final ByteBuffer buffer;
    private final AutoCloseable arena;
    private volatile boolean closed;

    private LocalReadMapping(Path path, long position, ByteBuffer buffer, AutoCloseable arena) {
        this.path = path;
        this.position = position;
        this.size = buffer.capacity();
        this.buffer = buffer;
        this.arena = arena;
    }

    /**
     * @return whether this JVM gets real read mappings: the foreign memory API is there, and a fault during a copy out
     * of a mapping is raised inside the call (checked once, by {@link LocalMapping#faultsRaisedInCall()})
     */
    static boolean available() {
        return FOREIGN != null && LocalMapping.faultsRaisedInCall();
    }

    /**
     * Maps {@code [position, position + size)} of {@code ch} read-only; the caller checked {@link #available()}.
     *
     * @return the mapping, or null if {@link #MAX_OPEN} are open
     */
    static LocalReadMapping map(Path path, FileChannel ch, long position, int size) throws IOException {
        if (OPEN.incrementAndGet() > MAX_OPEN) {
            OPEN.decrementAndGet();
            return null;
        }
        try {
            ForeignMemory.Mapped m = FOREIGN.mapInNewArena(ch, FileChannel.MapMode.READ_ONLY, position, size);
            return new LocalReadMapping(path, position, m.buffer(), m.arena());
        } catch (IOException | RuntimeException | Error e) {
            OPEN.decrementAndGet();
            throw e;
        }
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean mapped() {
        return true;
    }

    @Override
    public void read(long at, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        if (dst.hasArray()) {
            read(at, dst.array(), dst.arrayOffset() + dst.position(), n);
            dst.position(dst.position() + n);
            return;
        }
        ReadMapping.checkRange(path, position, size, at, n);
        if (closed) {
            throw new ClosedChannelException();
        }
        try {
            dst.put(dst.position(), buffer, (int) (at - position), n);
            // As in LocalMapping.write: a fault during the copy is raised at the thread's next native call.
            Thread.holdsLock(this);
        } catch (InternalError | IllegalStateException e) {
            throw failed(at, n, e);
        }
        dst.position(dst.position() + n);
    }

    @Override
    public void read(long at, byte[] dst, int offset, int length) throws IOException {
        ReadMapping.checkRange(path, position, size, at, length);
        java.util.Objects.checkFromIndexSize(offset, length, dst.length);
        if (closed) {
            throw new ClosedChannelException();
        }
        try {
            buffer.get((int) (at - position), dst, offset, length);
            // As in LocalMapping.write: a fault during the copy is raised at the thread's next native call.
            Thread.holdsLock(this);
        } catch (InternalError | IllegalStateException e) {
            throw failed(at, length, e);
        }
    }

    /**
     * @return the exception for a copy that failed: an {@link InternalError} is the JVM's report of a fault (a page
     * past the end of a file cut short, a device error); an {@link IllegalStateException} means the arena was closed
     * during the copy, by {@link #close()} on another thread
     */
    private IOException failed(long at, int length, Throwable e) {
        if (e instanceof IllegalStateException) {
            ClosedChannelException closedNow = new ClosedChannelException();
            closedNow.initCause(e);
            return closedNow;
        }
        return new IOException("reading " + length + " bytes at offset " + at + " of the mapping of " + path
                + " failed (" + e.getMessage() + "): the file was cut short, or a device error", e);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            ForeignMemory.close(arena);
            OPEN.decrementAndGet();
        } catch (Exception | Error e) {
            org.slf4j.LoggerFactory.getLogger(LocalReadMapping.class).warn(
                    "could not release the mapping of {}; it stays until the JVM exits: {}", path, e.toString());
        }
    }

    @Override
    public String toString() {
        return "LocalReadMapping[" + path + ", [" + position + ", " + (position + size) + ")"
                + (closed ? ", closed" : "") + "]";
    }
}
