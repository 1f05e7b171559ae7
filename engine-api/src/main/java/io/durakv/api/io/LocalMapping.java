package io.durakv.api.io;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@link LocalDisk}'s {@link WriteMapping}: a shared read-write mapping of the start of the file, written through a
 * {@link ByteBuffer} view. Writes are copies into it; {@link #force()} is {@code msync}. Close releases the mapping at
 * once: on Java 22 and later through the foreign memory API (the mapping belongs to a shared
 * {@code java.lang.foreign.Arena}, which close closes; reached by reflection, as this code is compiled for Java 17),
 * before that through the JDK's cleaner ({@code sun.misc.Unsafe.invokeCleaner}, in the {@code jdk.unsupported} module,
 * which Java 24 and later warn about), or by the garbage collector where neither is available.
 */
final class LocalMapping implements WriteMapping {

    private static final Logger LOG = LoggerFactory.getLogger(LocalMapping.class);

    /** A page at least as large as the kernel's, for the probe. */
    private static final int PROBE_PAGE = 64 << 10;
    /** In-range writes before the probe's fault: about 2 ms, past the JIT's compile thresholds. */
    private static final int PROBE_WARM_UP_WRITES = 50_000;

    /** {@code sun.misc.Unsafe.invokeCleaner(ByteBuffer)} bound to the instance, or null if not available. */
    private static final MethodHandle UNMAP = findUnmap();
    /** The foreign memory API's calls (Java 22+), or null. */
    private static final ForeignMemory FOREIGN = ForeignMemory.find();

    /**
     * @return whether this JVM raises a fault during a copy into a mapping inside {@link #write} (found once, by
     * {@link #probe}). Java 17 raises it at some later point of the thread instead, after the write returned as if it
     * had worked: a failed write would be acknowledged. Where it does not, {@link LocalDisk} gives writes through the
     * file handle.
     */
    static boolean faultsRaisedInCall() {
        return Probe.RAISED_IN_CALL;
    }

    /**
     * Decides on first use (its own class, so that the probe thread can use this one meanwhile): Java 18 and later
     * raise a pending fault of compiled code when a native call returns (JDK-8274379; Java 17 does not, measured: the
     * fault surfaced in a later, unrelated call), and the probe checks this JVM does.
     */
    private static final class Probe {
        static final boolean RAISED_IN_CALL = Runtime.version().feature() >= 18 && probe();
    }

    private final Path path;
    private final ByteBuffer buffer;
    private final int size;
    /** The foreign memory segment and its arena (Java 22+), or null: the buffer is a plain MappedByteBuffer. */
    private final Object segment;
    private final AutoCloseable arena;
    /** Set by close before the mapping is released; later calls fail instead of touching released memory. */
    private volatile boolean closed;

    private LocalMapping(Path path, ByteBuffer buffer, Object segment, AutoCloseable arena) {
        this.path = path;
        this.buffer = buffer;
        this.size = buffer.capacity();
        this.segment = segment;
        this.arena = arena;
    }

    /** Maps {@code [0, size)} of {@code ch} for reading and writing (the file must be that long already). */
    static LocalMapping map(Path path, FileChannel ch, int size) throws IOException {
        if (FOREIGN == null) {
            return new LocalMapping(path, ch.map(FileChannel.MapMode.READ_WRITE, 0, size), null, null);
        }
        ForeignMemory.Mapped m = FOREIGN.mapInNewArena(ch, FileChannel.MapMode.READ_WRITE, 0, size);
        return new LocalMapping(path, m.buffer(), m.segment(), m.arena());
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
    public void write(long position, ByteBuffer src) throws IOException {
        int n = src.remaining();
        ThroughFileMapping.checkRange(path, size, position, n);
        if (closed) {
            throw new ClosedChannelException();
        }
        try {
            // An absolute bulk put: no shared position, so writers of different ranges do not interfere.
            buffer.put((int) position, src, src.position(), n);
            // The JVM reports a fault during the copy as an InternalError it raises later, at the thread's next
            // transition; this native call is one, on the JVMs {@link #faultsRaisedInCall()} found to deliver it there.
            Thread.holdsLock(this);
        } catch (InternalError e) {
            // The JVM turns a fault during the copy (SIGBUS: the page is past the end of a file cut short, a hole the
            // file system could not allocate, a device error) into an InternalError; the caller sees a failed write.
            throw new IOException("writing " + n + " bytes at offset " + position + " of the mapping of " + path
                    + " failed (" + e.getMessage() + "): the file was cut short, or its blocks could not be"
                    + " allocated or written", e);
        }
        src.position(src.position() + n);
    }

    @Override
    public void force() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        try {
            if (segment != null) {
                FOREIGN.force(segment);
            } else {
                ((MappedByteBuffer) buffer).force(0, size);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (arena != null) {
            try {
                // A shared arena's close waits until no thread is inside an access to it; an access after it throws
                // instead of touching released memory.
                ForeignMemory.close(arena);
            } catch (Exception | Error e) {
                LOG.warn("could not release the mapping of {}; it stays until the JVM exits: {}", path,
                        e.toString());
            }
        } else if (UNMAP != null) {
            try {
                UNMAP.invokeExact((ByteBuffer) buffer);
            } catch (Throwable e) {
                LOG.warn("could not release the mapping of {} at once; the garbage collector will: {}", path,
                        e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "LocalMapping[" + path + ", " + size + " bytes" + (closed ? ", closed" : "") + "]";
    }

    /**
     * Maps a scratch file in the temporary directory, cuts it short, writes past its end through {@link #write} and
     * checks that the fault surfaces as that call's {@link IOException}. Runs on a thread of its own, which ends after
     * it: where the JVM raises the fault later, it is raised in that thread and nowhere else. Any other outcome, or no
     * temporary directory, gives false.
     */
    private static boolean probe() {
        boolean[] raisedInCall = new boolean[1];
        Thread t = new Thread(() -> {
            try {
                raisedInCall[0] = probeOnThisThread();
            } catch (Throwable late) {
                // The fault raised after the write returned (or any other failure): not synchronous.
                raisedInCall[0] = false;
            }
        }, "durakv-mapping-probe");
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((thread, e) -> LOG.debug("mapping probe: {}", e.toString()));
        t.start();
        // Waits through interrupts (restoring the flag after): the first thread to open a mapped log may carry one,
        // and a probe cut short would turn mapped writes off for the life of the JVM.
        long deadline = System.nanoTime() + 10_000_000_000L;
        boolean interrupted = false;
        while (t.isAlive() && System.nanoTime() < deadline) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        boolean result = !t.isAlive() && raisedInCall[0];
        LOG.debug("mapped writes {}: a fault during a copy into a mapping is {} raised inside the write",
                result ? "on" : "off", result ? "" : "not");
        return result;
    }

    private static boolean probeOnThisThread() throws IOException {
        Path file = Files.createTempFile("durakv-mapping-probe", ".tmp");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            int size = 2 * PROBE_PAGE;
            ch.write(ByteBuffer.allocate(size), 0);
            LocalMapping m = map(file, ch, size);
            try {
                // Writes in range first, often enough for the JIT to compile write as it runs in a store; then
                // the fault, raised inside the call both times.
                ByteBuffer eight = ByteBuffer.allocate(8);
                for (int i = 0; i < PROBE_WARM_UP_WRITES; i++) {
                    m.write((i * 8L) % PROBE_PAGE, eight.clear());
                }
                ch.truncate(PROBE_PAGE);
                for (int attempt = 0; attempt < 2; attempt++) {
                    try {
                        m.write(size - 8, eight.clear());
                        return false;
                    } catch (IOException expected) {
                        // raised in the call, as it should be
                    }
                }
                return true;
            } finally {
                m.close();
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static MethodHandle findUnmap() {
        if (Runtime.version().feature() >= 22) {
            return null; // the foreign memory API releases mappings there; invokeCleaner is deprecated for removal
        }
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            MethodHandle h = MethodHandles.lookup().findVirtual(unsafeClass, "invokeCleaner",
                    MethodType.methodType(void.class, ByteBuffer.class));
            return h.bindTo(unsafe);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LoggerFactory.getLogger(LocalMapping.class).info("mapped files are released by the garbage collector,"
                    + " not at close: sun.misc.Unsafe.invokeCleaner is not available ({})", e.toString());
            return null;
        }
    }
}
