package io.durakv.api.io;

import io.durakv.api.StoreException;
import io.durakv.api.StoreLockedException;

import java.io.IOException;
import java.nio.file.Path;

/** An exclusive lock on a store directory, from {@link Disk#tryLock(java.nio.file.Path)}. Release with close. */
public interface DiskLock extends AutoCloseable {

    /** Releases the lock. Idempotent. */
    @Override
    void close() throws IOException;

    /**
     * What every engine's {@code open} does first: creates the store directory {@code dir} if needed and takes the
     * lock on {@code dir/lockFileName}, so that a second open of the directory, from this process or another, fails
     * before it reads or writes anything.
     *
     * @throws StoreLockedException if the directory is already open
     * @throws StoreException       if the directory cannot be created or the lock file cannot be opened
     */
    static DiskLock lockStore(Disk disk, Path dir, String lockFileName) {
        DiskLock lock;
        try {
            if (!disk.isDirectory(dir)) {
                disk.createDirectories(dir);
            }
            lock = disk.tryLock(dir.resolve(lockFileName));
        } catch (IOException e) {
            throw new StoreException("cannot open the store directory " + dir, e);
        }
        if (lock == null) {
            throw new StoreLockedException("the store in " + dir + " is already open");
        }
        return lock;
    }

    /**
     * What the offline tools do first: takes the lock on {@code dir/lockFileName} if that file exists (creating
     * nothing), so that a running store cannot change the files they read; without a lock file, a lock that holds
     * nothing.
     *
     * @throws StoreLockedException if the store is open
     */
    static DiskLock lockForInspection(Disk disk, Path dir, String lockFileName) throws IOException {
        Path lockFile = dir.resolve(lockFileName);
        if (!disk.exists(lockFile)) {
            return () -> { };
        }
        DiskLock lock = disk.tryLock(lockFile);
        if (lock == null) {
            throw new StoreLockedException("the store in " + dir + " is open");
        }
        return lock;
    }
}
