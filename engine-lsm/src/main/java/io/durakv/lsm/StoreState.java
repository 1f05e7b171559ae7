package io.durakv.lsm;

import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Open / closed / failed (fail-stop) state of an LSM store. After a failed force, a failure that made the log or the
 * manifest fail-stop, or one the engine cannot prove it undid (lsm.md, "Failures"), every later write and sync throws
 * at once (the fate of unforced data is unknown and retrying cannot fix it); reads go on; reopening recovers from what
 * is on disk. A failed write (no space) does not get here: it fails its call alone, and background work retries. A change wakes every writer waiting
 * on the writer lock's conditions (for its turn, or for room in the memtables), so none waits forever.
 *
 * <p>Thread-safe: flags are volatile and change under the writer lock.
 */
final class StoreState {

    private static final Logger LOG = LoggerFactory.getLogger(StoreState.class);

    private final Path dir;
    private final ReentrantLock writeLock;
    private final Condition[] waiters;
    private volatile boolean closed;
    private volatile StoreException failure;
    /** Also run when the state changes: wakes writers waiting in the store's {@link io.durakv.wal.ApplyOrder}. */
    private volatile Runnable wake = () -> { };

    StoreState(Path dir, ReentrantLock writeLock, Condition... waiters) {
        this.dir = dir;
        this.writeLock = writeLock;
        this.waiters = waiters.clone();
    }

    /** Sets what else wakes waiting writers when the store closes or fails. */
    void wakeOnChange(Runnable wake) {
        this.wake = wake;
    }

    boolean isClosed() {
        return closed;
    }

    StoreException failure() {
        return failure;
    }

    /** Marks the store closed and wakes waiting writers. */
    void close() {
        writeLock.lock();
        try {
            closed = true;
            wakeAll();
        } finally {
            writeLock.unlock();
        }
    }

    /** Turns the store read-only (if not already), wakes waiting writers. @return the exception to throw */
    StoreException fail(String what, Throwable e) {
        StoreException f = e instanceof StoreException se ? se : new StoreException(what + " failed in " + dir, e);
        writeLock.lock();
        try {
            if (failure == null) {
                failure = f;
                LOG.error("{} failed in {}; the store is read-only until reopened: {}", what, dir, e.toString());
            }
            wakeAll();
        } finally {
            writeLock.unlock();
        }
        return f;
    }

    private void wakeAll() {
        for (Condition c : waiters) {
            c.signalAll();
        }
        wake.run();
    }

    void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

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
