package io.durakv.btree;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.DiskLock;
import io.durakv.api.io.OpenMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Disk} whose file forces take {@code millis} like a real device's, counting them. For tests. */
final class SlowForceDisk implements Disk {

    private final Disk disk;
    private final long millis;
    final AtomicLong forces = new AtomicLong();

    SlowForceDisk(Disk disk, long millis) {
        this.disk = disk;
        this.millis = millis;
    }

    @Override
    public DiskFile open(Path file, OpenMode mode) throws IOException {
        DiskFile f = disk.open(file, mode);
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
                f.write(position, src);
            }

            @Override
            public long append(ByteBuffer src) throws IOException {
                return f.append(src);
            }

            @Override
            public void force(boolean metadata) throws IOException {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
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
        return disk.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) throws IOException {
        return disk.isDirectory(path);
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        return disk.list(dir);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        disk.createDirectories(dir);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        disk.rename(source, target);
    }

    @Override
    public void delete(Path path) throws IOException {
        disk.delete(path);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return disk.deleteIfExists(path);
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        disk.forceDirectory(dir);
    }

    @Override
    public DiskLock tryLock(Path lockFile) throws IOException {
        return disk.tryLock(lockFile);
    }
}
