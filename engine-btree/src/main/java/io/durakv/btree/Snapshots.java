package io.durakv.btree;

import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;

/**
 * Keeps the pages a reader may still read from being reused (see {@link FreeSpace}): lookups hold the read side of a
 * read-write lock while they descend the tree; scans register the version of their root for as long as they are
 * open. Reusing pages ({@link #whenQuiet}) takes the write side for a moment, so it waits for lookups in progress and
 * sees every open scan.
 *
 * <p>Lookups therefore never wait for writers or checkpoints, only for that brief moment at the end of a checkpoint;
 * a scan never blocks anyone. A scan that is never closed keeps the pages of its version from being reused (the file
 * then grows), as the API's "close your iterators" asks.
 *
 * <p>Thread-safe.
 */
final class Snapshots {

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Open scans per root version; guarded by {@code this}. */
    private final TreeMap<Long, Integer> open = new TreeMap<>();

    /** @return the lock a lookup holds while it reads the tree */
    Lock lookupLock() {
        return lock.readLock();
    }

    /** Registers a scan of version {@code version}; call with {@link #lookupLock()} held, after reading the root. */
    synchronized void open(long version) {
        open.merge(version, 1, Integer::sum);
    }

    /** Unregisters a scan of version {@code version}. */
    synchronized void close(long version) {
        open.computeIfPresent(version, (v, n) -> n == 1 ? null : n - 1);
    }

    /** @return the number of open scans */
    synchronized int openCount() {
        return open.size();
    }

    private synchronized long oldest() {
        return open.isEmpty() ? Long.MAX_VALUE : open.firstKey();
    }

    /**
     * Runs {@code reuse} with the oldest version any reader may still be reading ({@link Long#MAX_VALUE} when none),
     * while no lookup is in progress.
     */
    void whenQuiet(LongConsumer reuse) {
        lock.writeLock().lock();
        try {
            reuse.accept(oldest());
        } finally {
            lock.writeLock().unlock();
        }
    }
}
