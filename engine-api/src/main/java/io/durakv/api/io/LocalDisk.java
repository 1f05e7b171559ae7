package io.durakv.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The production {@link Disk}: the local file system through {@link FileChannel}. Stateless and thread-safe; use
 * {@link #INSTANCE}.
 */
public final class LocalDisk implements Disk {

    /** The one instance. */
    public static final LocalDisk INSTANCE = new LocalDisk();

    /** Lock files this JVM holds through {@link #tryLock}, by {@link #lockKey}. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private LocalDisk() {
    }

    @Override
    public DiskFile open(Path file, OpenMode mode) throws IOException {
        OpenOption[] options = switch (mode) {
            case READ -> new OpenOption[]{StandardOpenOption.READ};
            case READ_WRITE -> new OpenOption[]{StandardOpenOption.READ, StandardOpenOption.WRITE};
            case CREATE -> new OpenOption[]{StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE};
            case CREATE_NEW -> new OpenOption[]{StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE_NEW};
        };
        return new LocalFile(file, FileChannel.open(file, options));
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) {
        return Files.isDirectory(path);
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        names.sort(null);
        return names;
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        // Find the deepest existing ancestor: every directory created below it must be made durable in its parent.
        List<Path> missing = new ArrayList<>();
        for (Path p = abs; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.add(0, p);
        }
        if (missing.isEmpty()) {
            return;
        }
        Files.createDirectories(abs);
        // Force each new directory's parent so that the new entries survive a power loss.
        for (Path p : missing) {
            forceDirectory(p.getParent());
        }
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void delete(Path path) throws IOException {
        Files.delete(path);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return Files.deleteIfExists(path);
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        // The Java idiom for fsync of a directory (as Lucene's IOUtils.fsync): open it for READ and force it.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public DiskLock tryLock(Path lockFile) throws IOException {
        Path key = lockKey(lockFile);
        // Checked before the file is opened: closing any descriptor of the lock file (as a failed attempt would)
        // drops every fcntl lock this process holds on it, so another process could then open the store too.
        if (!HELD.add(key)) {
            return null;
        }
        FileChannel ch;
        FileLock lock;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE);
        } catch (IOException | RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by another open in this JVM under another name (a hard link)
        } catch (IOException | RuntimeException e) {
            ch.close();
            HELD.remove(key);
            throw e;
        }
        if (lock == null) {
            ch.close();
            HELD.remove(key);
            return null;
        }
        FileLock held = lock;
        return new DiskLock() {
            private boolean closed;

            @Override
            public synchronized void close() throws IOException {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    held.release();
                } finally {
                    try {
                        ch.close();
                    } finally {
                        HELD.remove(key);
                    }
                }
            }
        };
    }

    /** @return the lock file's path with its directory's symbolic links resolved, the key of {@link #HELD} */
    private static Path lockKey(Path lockFile) throws IOException {
        Path abs = lockFile.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        return parent == null ? abs : parent.toRealPath().resolve(abs.getFileName());
    }

    /**
     * @return whether {@link DiskFile#mapForWriting} of this disk's files gives real memory mappings: only on a JVM
     * that raises a fault during a copy into a mapping (a file cut short, a device error) inside the write that
     * caused it (Java 17 raises it later, after the write returned; checked once, with a scratch file in the
     * temporary directory). Elsewhere it gives writes through the file handle.
     */
    public static boolean mapsFiles() {
        return LocalMapping.faultsRaisedInCall();
    }

    /**
     * @return whether {@link DiskFile#mapForReading} of this disk's files gives real memory mappings: where
     * {@link #mapsFiles()} does and the JVM has the foreign memory API (Java 22 and later), whose checked accesses make
     * a read that races the mapping's close throw instead of reading released memory. Elsewhere it gives reads
     * through the file handle.
     */
    public static boolean mapsReads() {
        return LocalReadMapping.available();
    }

    @Override
    public String toString() {
        return "LocalDisk";
    }

    private static final class LocalFile implements DiskFile {
        private final Path path;
        private final FileChannel ch;

        LocalFile(Path path, FileChannel ch) {
            this.path = path;
            this.ch = ch;
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public int read(long position, ByteBuffer dst) throws IOException {
            return ch.read(dst, position);
        }

        @Override
        public void write(long position, ByteBuffer src) throws IOException {
            long pos = position;
            while (src.hasRemaining()) {
                pos += ch.write(src, pos);
            }
        }

        @Override
        public synchronized long append(ByteBuffer src) throws IOException {
            long start = ch.size();
            write(start, src);
            return start;
        }

        @Override
        public void force(boolean metadata) throws IOException {
            ch.force(metadata);
        }

        @Override
        public void truncate(long size) throws IOException {
            ch.truncate(size);
        }

        @Override
        public WriteMapping mapForWriting(long size) throws IOException {
            long fileSize = ch.size();
            if (fileSize < size) {
                // FileChannel.map would grow the file with a hole; a copy into a hole the file system then cannot
                // allocate fails as a fault, not as a write error. Refused: the caller preallocates.
                throw new IOException("cannot map " + size + " bytes of " + path + ": the file has only " + fileSize);
            }
            if (size > ForeignMemory.MAX_BUFFER_BYTES) {
                throw new IOException("cannot map " + size + " bytes of " + path + ": a mapping covers at most "
                        + ForeignMemory.MAX_BUFFER_BYTES);
            }
            if (!LocalMapping.faultsRaisedInCall()) {
                return WriteMapping.through(this, size);
            }
            return LocalMapping.map(path, ch, (int) size);
        }

        @Override
        public ReadMapping mapForReading(long position, long size) throws IOException {
            ThroughFileReadMapping.checkReadable(this, position, size);
            if (size == 0 || size > ForeignMemory.MAX_BUFFER_BYTES || !LocalReadMapping.available()) {
                return ReadMapping.through(this, position, size);
            }
            ReadMapping m = LocalReadMapping.map(path, ch, position, (int) size);
            return m != null ? m : ReadMapping.through(this, position, size);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }

        @Override
        public String toString() {
            return "LocalFile[" + path + "]";
        }
    }

}
