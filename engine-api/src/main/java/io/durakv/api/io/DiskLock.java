package io.durakv.api.io;

import java.io.IOException;

/** An exclusive lock on a store directory, from {@link Disk#tryLock(java.nio.file.Path)}. Release with close. */
public interface DiskLock extends AutoCloseable {

    /** Releases the lock. Idempotent. */
    @Override
    void close() throws IOException;
}
