package io.durakv.api.testkit;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.DiskLock;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.OpenMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Disk} that delegates to another and records each mutating call as {@code "op name"} (file name only), so
 * that a test can check the order of a write protocol's steps. Thread-safe.
 */
final class RecordingDisk extends ForwardingDisk {

    private final List<String> calls = new ArrayList<>();

    RecordingDisk(Disk delegate) {
        super(delegate);
    }

    /** @return the calls recorded so far, oldest first */
    synchronized List<String> calls() {
        return new ArrayList<>(calls);
    }

    synchronized void clear() {
        calls.clear();
    }

    private synchronized void record(String op, Path path) {
        calls.add(op + " " + path.getFileName());
    }

    @Override
    public DiskFile open(Path file, OpenMode mode) throws IOException {
        DiskFile f = super.open(file, mode);
        if (mode.writable()) {
            record("open", file);
        }
        return f;
    }

    @Override
    protected DiskFile wrap(DiskFile file) {
        return new ForwardingFile(file) {
            @Override
            public void write(long position, ByteBuffer src) throws IOException {
                super.write(position, src);
                record("write", path());
            }

            @Override
            public long append(ByteBuffer src) throws IOException {
                long at = super.append(src);
                record("write", path());
                return at;
            }

            @Override
            public void force(boolean metadata) throws IOException {
                super.force(metadata);
                record("force", path());
            }

            @Override
            public void truncate(long size) throws IOException {
                super.truncate(size);
                record("truncate", path());
            }
        };
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        boolean existed = delegate.isDirectory(dir);
        delegate.createDirectories(dir);
        if (!existed) {
            record("mkdirs", dir);
        }
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        delegate.rename(source, target);
        record("rename " + source.getFileName() + " ->", target);
    }

    @Override
    public void delete(Path path) throws IOException {
        delegate.delete(path);
        record("delete", path);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        boolean existed = delegate.deleteIfExists(path);
        if (existed) {
            record("delete", path);
        }
        return existed;
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        delegate.forceDirectory(dir);
        record("forceDirectory", dir);
    }

    @Override
    public DiskLock tryLock(Path lockFile) throws IOException {
        DiskLock lock = delegate.tryLock(lockFile);
        record(lock == null ? "lockRefused" : "lock", lockFile);
        return lock;
    }
}
