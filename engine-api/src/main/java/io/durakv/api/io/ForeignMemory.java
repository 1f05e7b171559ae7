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
