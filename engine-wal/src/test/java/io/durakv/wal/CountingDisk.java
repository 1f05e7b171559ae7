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
import java.util.concurrent.atomic.AtomicReference;

/**
 * A test {@link Disk} that delegates to another, counts file forces, directory forces and writes, can slow forces
 * down (so that concurrent appenders really overlap, as on a real disk) or hold them at a gate, and can make forces
 * or writes fail on demand.
 */
final class CountingDisk extends ForwardingDisk {

    final AtomicLong forces = new AtomicLong();
    final AtomicLong directoryForces = new AtomicLong();
    final AtomicLong writes = new AtomicLong();
    /** Write calls to segment files ({@code wal-*.log}) only. */
    final AtomicLong segmentWrites = new AtomicLong();
    /** While set, every file force throws. */
    final AtomicBoolean failForces = new AtomicBoolean();
    /** While set, every write throws. */
    final AtomicBoolean failWrites = new AtomicBoolean();
    /**
     * A write fault, for {@link #writeFault}: decides from a write call whether it fails, and after how many of its
     * bytes (a call may fail after the page cache took some or all of them).
     */
    @FunctionalInterface
    interface WriteFault {
        /**
         * @param index the call's number since {@link #writeCalls} was last set (the first is 1)
         * @return -1 to let the call through; otherwise how many of its {@code length} bytes it writes before it throws
         */
        int bytesBeforeFailing(Path path, long index, int length);
    }

    /** Fires once (then is cleared) on the first write call it does not let through; null: none. */
    final AtomicReference<WriteFault> writeFault = new AtomicReference<>();
    /** Write calls counted for {@link #writeFault}. */
    final AtomicLong writeCalls = new AtomicLong();
    /** How many times {@link #writeFault} fired. */
    final AtomicInteger writeFaultsFired = new AtomicInteger();
    /** Milliseconds each file force sleeps before it forces. */
    final AtomicInteger forceDelayMillis = new AtomicInteger();
    /** While non-null and closed, every file force waits for it: a force stuck in the device. */
    volatile CountDownLatch forceGate;
    /** Called with the file's path before each file force (before the gate); null: none. */
    volatile java.util.function.Consumer<Path> beforeForce;
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
                long index = writeCalls.incrementAndGet();
                WriteFault fault = writeFault.get();
                int n = src.remaining();
                int keep = fault == null ? -1 : fault.bytesBeforeFailing(path(), index, n);
                if (keep < 0 || !writeFault.compareAndSet(fault, null)) {
                    super.write(position, src);
                    return;
                }
                writeFaultsFired.incrementAndGet();
                if (keep > 0) {
                    ByteBuffer part = src.duplicate();
                    part.limit(part.position() + keep);
                    super.write(position, part);
                }
                throw new IOException("injected: write " + index + " of " + path() + " failed after " + keep + " of "
                        + n + " bytes");
            }

            @Override
            public long append(ByteBuffer src) throws IOException {
                countWrite(path());
                return super.append(src);
            }

            @Override
            public void force(boolean metadata) throws IOException {
                java.util.function.Consumer<Path> hook = beforeForce;
                if (hook != null) {
                    hook.accept(path());
                }
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
        String name = path.getFileName().toString();
        if (name.startsWith("wal-") && name.endsWith(".log")) {
            segmentWrites.incrementAndGet();
        }
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        directoryForces.incrementAndGet();
        super.forceDirectory(dir);
    }
}
