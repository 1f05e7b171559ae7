package io.durakv.wal;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.DiskLock;
import io.durakv.api.io.OpenMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test {@link Disk} that delegates to another, counts file forces, directory forces and writes, can slow forces
 * down (so that concurrent appenders really overlap, as on a real disk) and can make forces or writes fail on demand.
 */
final class CountingDisk implements Disk {

    final AtomicLong forces = new AtomicLong();
    final AtomicLong directoryForces = new AtomicLong();
    final AtomicLong writes = new AtomicLong();
    /** While set, every file force throws. */
    final AtomicBoolean failForces = new AtomicBoolean();
    /** While set, every write throws. */
    final AtomicBoolean failWrites = new AtomicBoolean();
    /** Milliseconds each file force sleeps before it forces. */
    final AtomicInteger forceDelayMillis = new AtomicInteger();

    private final Disk delegate;

    CountingDisk(Disk delegate) {
        this.delegate = delegate;
    }

    @Override
    public DiskFile open(Path file, OpenMode mode) throws IOException {
        DiskFile f = delegate.open(file, mode);
        return new DiskFile() {
            @Override
            public Path path() {
                return f.path();
            }

            @Override
            public long size() throws IOException {
                return f.size();
            }

            @Override
            public int read(long position, ByteBuffer dst) throws IOException {
                return f.read(position, dst);
            }

            @Override
            public void write(long position, ByteBuffer src) throws IOException {
                if (failWrites.get()) {
                    throw new IOException("injected write failure on " + f.path());
                }
                writes.incrementAndGet();
                f.write(position, src);
            }

            @Override
            public long append(ByteBuffer src) throws IOException {
                if (failWrites.get()) {
                    throw new IOException("injected write failure on " + f.path());
                }
                writes.incrementAndGet();
                return f.append(src);
            }

            @Override
            public void force(boolean metadata) throws IOException {
                int delay = forceDelayMillis.get();
                if (delay > 0) {
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (failForces.get()) {
                    throw new IOException("injected force failure on " + f.path());
                }
                forces.incrementAndGet();
                f.force(metadata);
            }

            @Override
            public void truncate(long size) throws IOException {
                f.truncate(size);
            }

            @Override
            public void close() throws IOException {
                f.close();
            }
        };
    }

    @Override
    public boolean exists(Path path) throws IOException {
        return delegate.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) throws IOException {
        return delegate.isDirectory(path);
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        return delegate.list(dir);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        delegate.createDirectories(dir);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        delegate.rename(source, target);
    }

    @Override
    public void delete(Path path) throws IOException {
        delegate.delete(path);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return delegate.deleteIfExists(path);
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        directoryForces.incrementAndGet();
        delegate.forceDirectory(dir);
    }

    @Override
    public DiskLock tryLock(Path lockFile) throws IOException {
        return delegate.tryLock(lockFile);
    }
}
