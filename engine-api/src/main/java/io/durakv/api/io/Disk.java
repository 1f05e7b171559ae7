package io.durakv.api.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The one I/O layer: every file operation of every DuraKV module goes through a {@code Disk}, so that tests can swap
 * in a {@link SimulatedDisk} that sees every byte and can simulate a power loss. Engines never touch
 * {@code FileChannel}, {@code Files} or {@code RandomAccessFile} themselves.
 *
 * <p>The durability model is POSIX's: written bytes are durable only after {@link DiskFile#force(boolean)} returns; a
 * created, renamed or deleted name is durable only after {@link #forceDirectory(Path)} of its parent returns. A
 * failed force leaves the data's fate unknown and must not be retried as if nothing happened.
 *
 * <p>Implementations are thread-safe.
 */
public interface Disk {

    /**
     * Opens a file.
     *
     * @throws java.nio.file.NoSuchFileException     if the file must exist and does not
     * @throws java.nio.file.FileAlreadyExistsException if {@code mode} is {@link OpenMode#CREATE_NEW} and it exists
     */
    DiskFile open(Path file, OpenMode mode) throws IOException;

    /** @return whether a file or directory of that name exists */
    boolean exists(Path path) throws IOException;

    /** @return whether {@code path} names an existing directory */
    boolean isDirectory(Path path) throws IOException;

    /** @return the names (not paths) of the entries of {@code dir}, sorted */
    List<String> list(Path dir) throws IOException;

    /**
     * Creates {@code dir} and any missing parents. Each new directory's own entry is durable only after its parent is
     * forced; this method forces every parent it changed, so on return the whole path is durable.
     */
    void createDirectories(Path dir) throws IOException;

    /**
     * Atomically renames {@code source} to {@code target}, replacing {@code target} if it exists. Durable only after
     * the parent directory (both parents, if they differ) is forced. Force {@code source}'s data first: a rename
     * that reaches the disk before the data it names is the classic lost-file bug.
     */
    void rename(Path source, Path target) throws IOException;

    /**
     * Deletes a file or an empty directory. Durable after its parent directory is forced.
     *
     * @throws java.nio.file.NoSuchFileException if it does not exist
     */
    void delete(Path path) throws IOException;

    /** Deletes {@code path} if it exists. @return whether it existed */
    boolean deleteIfExists(Path path) throws IOException;

    /**
     * Forces the directory's entries (creates, renames, deletes of names in it) to stable storage. On the local disk
     * this is {@code FileChannel.open(dir, READ).force(true)}.
     */
    void forceDirectory(Path dir) throws IOException;

    /**
     * Tries to take an exclusive lock on {@code lockFile}, creating it if needed. The lock is held until the returned
     * handle is closed; it excludes other processes and other opens within this process.
     *
     * @return the lock, or {@code null} if someone else holds it
     */
    DiskLock tryLock(Path lockFile) throws IOException;
}
