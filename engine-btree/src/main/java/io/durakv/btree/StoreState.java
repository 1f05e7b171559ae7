package io.durakv.btree;

import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Whether a store is open, and whether it failed (fail-stop): after the log turned fail-stop, a failed force, a
 * failed apply or a checkpoint failure that could not be undone, every later write, sync and checkpoint throws at
 * once, because the fate of unforced data is unknown and retrying cannot fix it; reads go on; reopening recovers
 * from what is on disk. (A failed write that changed nothing — no space — does not fail the store.)
 *
 * <p>Thread-safe: the flags are volatile; they change under the store's writer lock, and a change wakes the writers
 * waiting for their turn ({@link #wakeOnChange}), so that they fail instead of waiting forever.
 */
final class StoreState {

    private static final Logger LOG = LoggerFactory.getLogger(StoreState.class);

    private final Path dir;
    private final ReentrantLock writeLock;
    private volatile boolean closed;
    private volatile StoreException failure;
    /** Also run when the state changes: wakes writers waiting in the store's {@link io.durakv.wal.ApplyOrder}. */
    private volatile Runnable wake = () -> { };

    StoreState(Path dir, ReentrantLock writeLock) {
        this.dir = dir;
        this.writeLock = writeLock;
    }

    /** Sets what else wakes waiting writers when the store closes or fails. */
    void wakeOnChange(Runnable wake) {
        this.wake = wake;
    }

    boolean isClosed() {
        return closed;
    }

    /** @return the first failure, or null while the store is healthy */
    StoreException failure() {
        return failure;
    }

    /** Marks the store closed and wakes waiting writers. Writer lock held. */
    void close() {
        closed = true;
        wake.run();
    }

    /** Turns the store read-only (if it was not already), wakes waiting writers, and returns the failure to throw. */
    StoreException fail(String what, Throwable e) {
        StoreException f = e instanceof StoreException se ? se : new StoreException(what + " failed in " + dir, e);
        writeLock.lock();
        try {
            if (failure == null) {
                failure = f;
                LOG.error("{} failed in {}; the store is read-only until reopened: {}", what, dir, e.toString());
            }
                wake.run();
        } finally {
            writeLock.unlock();
        }
        return f;
    }

    /** @throws StoreClosedException if the store is closed */
    void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    /** @throws StoreException if the store is closed or failed */
    void checkWritable() {
        checkOpen();
        StoreException f = failure;
        if (f != null) {
            throw new StoreException("the store in " + dir + " is read-only after a failure", f);
        }
    }

    StoreClosedException closedException() {
        return new StoreClosedException("the store in " + dir + " is closed");
    }
}
