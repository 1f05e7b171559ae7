package io.durakv.wal;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test {@link Disk} that delegates to another, counts file forces, directory forces and writes, can slow forces
 * down (so that concurrent appenders really overlap, as on a real disk) or hold them at a gate, and can make forces
 * or writes fail on demand.
 */
final class CountingDisk extends ForwardingDisk {

    final AtomicLong forces = new AtomicLong();
    final AtomicLong directoryForces = new AtomicLong();
    final AtomicLong writes = new AtomicLong();
    /** While set, every file force throws. */
    final AtomicBoolean failForces = new AtomicBoolean();
    /** While set, every write throws. */
    final AtomicBoolean failWrites = new AtomicBoolean();
    /**
     * The first write to a {@code .log} file of at least this many bytes (and under 32 KiB: record writes, not a
     * segment's zero-fill) writes its bytes and then throws, as a call may after the page cache took the bytes.
     */
    final AtomicLong writeThenFailAtLeast = new AtomicLong(Long.MAX_VALUE);
    /** Set once that write happened. */
    final AtomicBoolean wroteThenFailed = new AtomicBoolean();
    /** Milliseconds each file force sleeps before it forces. */
    final AtomicInteger forceDelayMillis = new AtomicInteger();
    /** While non-null and closed, every file force waits for it: a force stuck in the device. */
    volatile CountDownLatch forceGate;
    /** File forces that have started (including ones waiting at the gate). */
    final AtomicLong forcesStarted = new AtomicLong();

    CountingDisk(Disk delegate) {
        super(delegate);
    }

    @Override
    protected DiskFile wrap(DiskFile file) {
        return new ForwardingFile(file) {
            @Override
            public void write(long position, ByteBuffer src) throws IOException {
                countWrite(path());
                int n = src.remaining();
                boolean fail = n >= writeThenFailAtLeast.get() && n < 32 * 1024
                        && path().getFileName().toString().endsWith(".log") && !wroteThenFailed.getAndSet(true);
                super.write(position, src);
                if (fail) {
                    throw new IOException("injected: the write reached the page cache and still failed");
                }
            }

            @Override
            public long append(ByteBuffer src) throws IOException {
                countWrite(path());
                return super.append(src);
            }

            @Override
            public void force(boolean metadata) throws IOException {
                forcesStarted.incrementAndGet();
                CountDownLatch gate = forceGate;
                if (gate != null) {
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                int delay = forceDelayMillis.get();
                if (delay > 0) {
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (failForces.get()) {
                    throw new IOException("injected force failure on " + path());
                }
                forces.incrementAndGet();
                super.force(metadata);
            }
        };
    }

    private void countWrite(Path path) throws IOException {
        if (failWrites.get()) {
            throw new IOException("injected write failure on " + path);
        }
        writes.incrementAndGet();
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        directoryForces.incrementAndGet();
        super.forceDirectory(dir);
    }
}
