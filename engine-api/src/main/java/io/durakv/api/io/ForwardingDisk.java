package io.durakv.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link Disk} that forwards every call to another, for wrappers that count, slow down, record or fail some calls
 * and pass the rest through (as Lucene's {@code FilterDirectory}). Override the calls of interest; files opened
 * through it are passed to {@link #wrap(DiskFile)}, which a subclass overrides to wrap them in its own
 * {@link ForwardingFile}.
 *
 * <p>Thread-safe if the delegate is and the subclass's overrides are.
 */
public class ForwardingDisk implements Disk {

    /** The disk every call goes to. */
    protected final Disk delegate;

    /** @param delegate the disk every call goes to */
    public ForwardingDisk(Disk delegate) {
        this.delegate = delegate;
    }

    /** @return {@code file}, or a wrapper of it; called for every file this disk opens */
    protected DiskFile wrap(DiskFile file) {
        return file;
    }

    @Override
    public DiskFile open(Path file, OpenMode mode) throws IOException {
        return wrap(delegate.open(file, mode));
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
        delegate.forceDirectory(dir);
    }

    @Override
    public DiskLock tryLock(Path lockFile) throws IOException {
        return delegate.tryLock(lockFile);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }

    /** A {@link DiskFile} that forwards every call to another; the file-level half of {@link ForwardingDisk}. */
    public static class ForwardingFile implements DiskFile {

        /** The file every call goes to. */
        protected final DiskFile delegate;

        /** @param delegate the file every call goes to */
        public ForwardingFile(DiskFile delegate) {
            this.delegate = delegate;
        }

        @Override
        public Path path() {
            return delegate.path();
        }

        @Override
        public long size() throws IOException {
            return delegate.size();
        }

        @Override
        public int read(long position, ByteBuffer dst) throws IOException {
            return delegate.read(position, dst);
        }

        @Override
        public void write(long position, ByteBuffer src) throws IOException {
            delegate.write(position, src);
        }

        @Override
        public long append(ByteBuffer src) throws IOException {
            return delegate.append(src);
        }

        @Override
        public void force(boolean metadata) throws IOException {
            delegate.force(metadata);
        }

        @Override
        public void truncate(long size) throws IOException {
            delegate.truncate(size);
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }

        @Override
        public String toString() {
            return getClass().getSimpleName() + "[" + delegate + "]";
        }
    }
}
