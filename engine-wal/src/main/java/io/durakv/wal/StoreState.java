package io.durakv.wal;

import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Open / closed / failed (fail-stop) state of a store, shared by the engines that apply logged writes under a writer
 * lock (btree, lsm). After a failed force, a failure that made the log fail-stop, or one the engine cannot prove it
 * undid, every later write and sync throws at once (the fate of unforced data is unknown and retrying cannot fix it);
 * reads go on; reopening recovers from what is on disk. A failed write that changed nothing (no space) does not get
 * here: it fails its call alone. A change wakes every writer waiting on the writer lock's conditions given at
 * construction (for its turn, or for room in the memtables) and runs {@link #wakeOnChange}'s hook (writers waiting in
 * an {@link ApplyOrder}), so that none waits forever.
 *
 * <p>Thread-safe: the flags are volatile and change under the writer lock.
 */
public final class StoreState {

    private static final Logger LOG = LoggerFactory.getLogger(StoreState.class);

    private final Path dir;
    private final ReentrantLock writeLock;
    private final Condition[] waiters;
    private volatile boolean closed;
    private volatile StoreException failure;
    /** Also run when the state changes: wakes writers waiting in the store's {@link ApplyOrder}. */
    private volatile Runnable wake = () -> { };

    /**
     * @param dir       the store's directory, named in messages
     * @param writeLock the store's writer lock: state changes happen under it
     * @param waiters   conditions of {@code writeLock} that writers wait on, signalled at every change
     */
    public StoreState(Path dir, ReentrantLock writeLock, Condition... waiters) {
        this.dir = dir;
        this.writeLock = writeLock;
        this.waiters = waiters.clone();
    }

    /** Sets what else wakes waiting writers when the store closes or fails. */
    public void wakeOnChange(Runnable wake) {
        this.wake = wake;
    }

    /** @return whether {@link #close} ran */
    public boolean isClosed() {
        return closed;
    }

    /** @return the first failure, or null while the store is healthy */
    public StoreException failure() {
        return failure;
    }

    /** Marks the store closed and wakes waiting writers (takes the writer lock; it may be held already). */
    public void close() {
        writeLock.lock();
        try {
            closed = true;
            wakeAll();
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Turns the store read-only (if it was not already) and wakes waiting writers.
     *
     * @return the failure to throw: {@code e} itself if it is a {@link StoreException}
     */
    public StoreException fail(String what, Throwable e) {
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

    /** @throws StoreClosedException if the store is closed */
    public void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    /** @throws StoreException if the store is closed or failed */
    public void checkWritable() {
        checkOpen();
        StoreException f = failure;
        if (f != null) {
            throw new StoreException("the store in " + dir + " is read-only after a failure", f);
        }
    }

    /** @return the exception for an operation on the closed store */
    public StoreClosedException closedException() {
        return new StoreClosedException("the store in " + dir + " is closed");
    }
}
