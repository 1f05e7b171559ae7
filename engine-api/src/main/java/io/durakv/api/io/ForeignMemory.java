package io.durakv.api.io;

import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The calls of {@code java.lang.foreign} (Java 22 and later) that {@link LocalMapping} and {@link LocalReadMapping}
 * make, found by reflection once (this code is compiled for Java 17). A mapping made here belongs to a shared
 * {@code Arena}: closing the arena releases it at once, and an access through its buffer after that throws
 * {@link IllegalStateException} instead of touching released memory.
 */
final class ForeignMemory {

    /**
     * The most bytes a mapping may cover: the foreign memory API wraps a segment as a {@link ByteBuffer} only up to the
     * JDK's largest array length ({@code Integer.MAX_VALUE - 8}), and throws {@link IllegalStateException} above it.
     */
    static final int MAX_BUFFER_BYTES = Integer.MAX_VALUE - 8;

    /** How long {@link #close} retries an arena another thread is still inside of (Java 22 refuses it then). */
    private static final long CLOSE_RETRY_NANOS = 1_000_000_000L;

    private final MethodHandle ofShared;
    private final MethodHandle map;
    private final MethodHandle asByteBuffer;
    private final MethodHandle force;

    private ForeignMemory(MethodHandle ofShared, MethodHandle map, MethodHandle asByteBuffer, MethodHandle force) {
        this.ofShared = ofShared;
        this.map = map;
        this.asByteBuffer = asByteBuffer;
        this.force = force;
    }

    /** @return the calls, or null before Java 22 or if any is missing */
    static ForeignMemory find() {
        if (Runtime.version().feature() < 22) {
            return null;
        }
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> arena = Class.forName("java.lang.foreign.Arena");
            Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
            return new ForeignMemory(
                    lookup.findStatic(arena, "ofShared", MethodType.methodType(arena)),
                    lookup.findVirtual(FileChannel.class, "map", MethodType.methodType(segment,
                            FileChannel.MapMode.class, long.class, long.class, arena)),
                    lookup.findVirtual(segment, "asByteBuffer", MethodType.methodType(ByteBuffer.class)),
                    lookup.findVirtual(segment, "force", MethodType.methodType(void.class)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LoggerFactory.getLogger(ForeignMemory.class).info("mappings are released through the JDK's cleaner:"
                    + " the foreign memory API is not available ({})", e.toString());
            return null;
        }
    }

    AutoCloseable newArena() throws IOException {
        return (AutoCloseable) invoke(() -> ofShared.invoke());
    }

    /** Maps {@code [position, position + size)} of {@code ch} in {@code mode}, owned by {@code arena}. */
    Object map(FileChannel ch, FileChannel.MapMode mode, long position, long size, AutoCloseable arena)
            throws IOException {
        return invoke(() -> map.invoke(ch, mode, position, size, arena));
    }

    /** A mapping made by {@link #mapInNewArena}: its segment, a buffer view of it, and the arena that owns it. */
    record Mapped(Object segment, ByteBuffer buffer, AutoCloseable arena) {
    }

    /**
     * Maps {@code [position, position + size)} of {@code ch} in {@code mode} into a new shared arena (closed again if
     * the mapping fails).
     */
    Mapped mapInNewArena(FileChannel ch, FileChannel.MapMode mode, long position, long size) throws IOException {
        // Not on the caller's thread: FileChannel.map on a thread interrupted during the call throws
        // ClosedByInterruptException after the mmap, and drops the mapping it made without releasing it (it stays until
        // the JVM exits). The mapper thread is never interrupted; the caller waits for it without reacting to one.
        java.util.concurrent.Future<Mapped> mapped = MAPPER.submit(() -> mapInNewArenaHere(ch, mode, position, size));
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return mapped.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof IOException io) {
                        throw io;
                    } else if (cause instanceof RuntimeException re) {
                        throw re;
                    } else if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IOException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Makes the mappings of {@link #mapInNewArena}: one daemon thread, started on demand, ended when idle. */
    private static final java.util.concurrent.ThreadPoolExecutor MAPPER = mapper();

    private static java.util.concurrent.ThreadPoolExecutor mapper() {
        java.util.concurrent.ThreadPoolExecutor e = new java.util.concurrent.ThreadPoolExecutor(1, 1, 10,
                java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "durakv-mapper");
                    t.setDaemon(true);
                    return t;
                });
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    private Mapped mapInNewArenaHere(FileChannel ch, FileChannel.MapMode mode, long position, long size)
            throws IOException {
        AutoCloseable arena = newArena();
        try {
            Object segment = map(ch, mode, position, size, arena);
            return new Mapped(segment, asByteBuffer(segment), arena);
        } catch (IOException | RuntimeException | Error e) {
            try {
                arena.close();
            } catch (Exception undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    ByteBuffer asByteBuffer(Object segment) throws IOException {
        return (ByteBuffer) invoke(() -> asByteBuffer.invoke(segment));
    }

    void force(Object segment) throws IOException {
        invoke(() -> force.invoke(segment));
    }

    /**
     * Closes {@code arena}, releasing its mappings. Java 22 refuses to close a shared arena while another thread is
     * inside an access to it (a copy of a few hundred nanoseconds); this retries for up to a second. Later Java
     * versions close it at once and make such an access throw.
     *
     * @throws Exception what the last attempt threw
     */
    static void close(AutoCloseable arena) throws Exception {
        long deadline = System.nanoTime() + CLOSE_RETRY_NANOS;
        while (true) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException busy) {
                if (System.nanoTime() > deadline) {
                    throw busy;
                }
                Thread.yield();
            }
        }
    }

    private interface Call {
        Object run() throws Throwable;
    }

    private static Object invoke(Call call) throws IOException {
        try {
            return call.run();
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e);
        }
    }
}
