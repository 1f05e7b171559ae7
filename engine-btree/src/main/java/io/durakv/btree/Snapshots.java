package io.durakv.btree;

import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Keeps the pages a reader may still read from being reused (see {@link FreeSpace}): lookups hold the read side of a
 * read-write lock while they descend the tree; scans register the version of their root for as long as they are
 * open. Reusing pages ({@link #whenQuiet}) takes the write side for a moment, so it waits for lookups in progress and
 * sees every open scan.
 *
 * <p>Lookups therefore never wait for writers or checkpoints, only for that brief moment at the end of a checkpoint;
 * a scan never blocks anyone. Opening a scan ({@link #pin}) and applying a write ({@link #publishing}) exclude each
 * other for the few microseconds a write takes, so that a write knows the newest version a scan may read while it
 * changes nodes in place ({@link TreeWriter}). A scan that is never closed keeps the pages of its version from being reused (the file
 * then grows), as the API's "close your iterators" asks.
 *
 * <p>Thread-safe.
 */
final class Snapshots {

    /**
     * Lookups hold its read side, {@link #whenQuiet} its write side. A {@link StampedLock}: a read lock is one
     * compare-and-set each way, with no per-thread hold count (lookups never nest it).
     */
    private final StampedLock lock = new StampedLock();
    private final Lock lookupLock = lock.asReadLock();
    /** Open scans per root version; guarded by {@code this}. */
    private final TreeMap<Long, Integer> open = new TreeMap<>();
    /** Held while a scan reads and registers its version, and while a write is applied and published. */
    private final ReentrantLock pinLock = new ReentrantLock();

    /** @return the lock a lookup holds while it reads the tree */
    Lock lookupLock() {
        return lookupLock;
    }

    /**
     * Reads the current version and registers a scan of it, while no write is being applied; call with
     * {@link #lookupLock()} held.
     *
     * @return the version the scan reads
     */
    <V> V pin(Supplier<V> current, ToLongFunction<V> number) {
        pinLock.lock();
        try {
            V v = current.get();
            synchronized (this) {
                open.merge(number.applyAsLong(v), 1, Integer::sum);
            }
            return v;
        } finally {
            pinLock.unlock();
        }
    }

    /**
     * Runs {@code apply}, which applies one write and publishes its version, while no scan is being opened: until it
     * returns, {@link #newestOpen()} cannot change.
     */
    void publishing(Runnable apply) {
        pinLock.lock();
        try {
            apply.run();
        } finally {
            pinLock.unlock();
        }
    }

    /** @return the version of the newest open scan, 0 if none is open */
    synchronized long newestOpen() {
        return open.isEmpty() ? 0 : open.lastKey();
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
        long stamp = lock.writeLock();
        try {
            reuse.accept(oldest());
        } finally {
            lock.unlockWrite(stamp);
        }
    }
}
