package io.durakv.wal;

import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Orders appends and shares writes and forces among concurrent callers (group commit), and keeps the log's
 * fail-stop and closed states.
 *
 * <p>How it works: an appender takes the next LSN and queues its record, both under {@link #lock}, so queue order is
 * LSN order. Then it waits until its record is written (NONE, BATCH) or forced (SYNC). Whoever finds its goal unmet
 * and nobody doing I/O takes the <em>I/O turn</em>: it takes the whole queue, releases the lock, writes the batch
 * with one write call and, if anyone is waiting for a force, forces once; then it publishes the new written and forced
 * LSNs and wakes everyone. Appenders that arrived during that turn are written together by the next turn. So a
 * thread pays at most one force per append, and with N threads one force covers up to N records. In SYNC mode a
 * forcing turn first waits briefly for the appenders the previous force released ({@link #gather()}), so that the
 * batches stay whole instead of alternating between one record and N - 1.
 *
 * <p>A failed write or force makes the log fail-stop ({@link #failure}): the data's fate is unknown and retrying
 * cannot fix it (durability-contract.md), so every later append and sync throws until the log is reopened.
 *
 * <p>Thread-safe. All fields below {@link #lock} are guarded by it; {@link #writer} is used only by the thread holding
 * the I/O turn ({@link #ioBusy}), with the lock released.
 */
final class GroupCommitter {

    /** The longest a forcing turn waits for more records to join its force: 1 ms. */
    static final long MAX_GATHER_NANOS = 1_000_000;

    private final Path dir;
    private final SyncMode mode;
    private final long maxUnforcedBytes;
    private final LogWriter writer;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled after every I/O turn and when close finishes. */
    private final Condition progress = lock.newCondition();
    /** Signalled to wake the BATCH flusher early (too many unforced bytes) or to stop it. */
    private final Condition flushWanted = lock.newCondition();
    /** Signalled when a record is queued while a forcing turn gathers its batch. */
    private final Condition arrived = lock.newCondition();

    /** Records with an LSN, not yet taken by an I/O turn, in LSN order. Guarded by lock. */
    private List<Pending> queue = new ArrayList<>();
    /** The LSN the next append gets. Guarded by lock. */
    private long nextLsn;
    /** Last LSN handed to the OS. Guarded by lock. */
    private long writtenLsn;
    /** Last LSN known forced. Guarded by lock. */
    private long forcedLsn;
    /** Highest LSN someone waits to see forced; a turn forces if it is above {@link #forcedLsn}. Guarded by lock. */
    private long forceWanted;
    /** Bytes written but not forced, after the last turn. Guarded by lock. */
    private long unforcedBytes;
    /** Whether some thread holds the I/O turn. Guarded by lock. */
    private boolean ioBusy;
    /** The first write or force failure; set once, never cleared. Guarded by lock. */
    private StoreException failure;
    /** Set when close starts: no new appends or syncs. Guarded by lock. */
    private boolean closed;
    /** Set when close has finished. Guarded by lock. */
    private boolean closeDone;
    /** Tells the BATCH flusher to exit. Guarded by lock. */
    private boolean flusherStop;
    /** Records the last forcing turn made durable: about how many appenders will come back for the next. */
    private long lastForcedRecords; // guarded by lock
    /** How long the last forcing turn's write and force took, in nanoseconds. Guarded by lock. */
    private long lastForceNanos;
    /** Whether a forcing turn is waiting for more records to join it. Guarded by lock. */
    private boolean gathering;

    GroupCommitter(Path dir, WalOptions options, LogWriter writer, long lastLsn) {
        this.dir = dir;
        this.mode = options.syncMode();
        this.maxUnforcedBytes = options.maxUnforcedBytes();
        this.writer = writer;
        this.nextLsn = lastLsn + 1;
        this.writtenLsn = lastLsn;
        this.forcedLsn = lastLsn;
        this.forceWanted = lastLsn;
    }

    /**
     * Appends {@code p}: on return its LSN is set and it is written (and forced in SYNC mode).
     *
     * @throws StoreClosedException if the log is closed
     * @throws StoreException       if the log failed, now or earlier
     */
    void append(Pending p) {
        lock.lock();
        try {
            checkWritable();
            p.lsn = nextLsn++;
            queue.add(p);
            if (gathering) {
                arrived.signal();
            }
            boolean durable = mode == SyncMode.SYNC;
            if (durable) {
                forceWanted = Math.max(forceWanted, p.lsn);
            }
            await(p.lsn, durable);
        } finally {
            lock.unlock();
        }
    }

    /** Makes every record appended before the call durable. */
    void sync() {
        lock.lock();
        try {
            checkWritable();
            long target = nextLsn - 1;
            forceWanted = Math.max(forceWanted, target);
            await(target, true);
        } finally {
            lock.unlock();
        }
    }

    /** BATCH flusher: forces what is written, unless the log is closed or failed (then it does nothing). */
    void forceWritten() {
        lock.lock();
        try {
            if (closed || failure != null) {
                return;
            }
            long target = writtenLsn;
            forceWanted = Math.max(forceWanted, target);
            await(target, true);
        } finally {
            lock.unlock();
        }
    }

    /**
     * BATCH flusher: waits up to {@code nanos}, less if the unforced bytes pass the bound.
     *
     * @return false once the flusher should exit
     */
    boolean awaitFlushTrigger(long nanos) {
        lock.lock();
        try {
            long left = nanos;
            while (left > 0 && !flusherStop && unforcedBytes < maxUnforcedBytes) {
                left = flushWanted.awaitNanos(left);
            }
            return !flusherStop && failure == null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Tells the BATCH flusher to exit. */
    void stopFlusher() {
        lock.lock();
        try {
            flusherStop = true;
            flushWanted.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** @return the last LSN written (0 if the log is empty) */
    long lastLsn() {
        lock.lock();
        try {
            checkOpen();
            return writtenLsn;
        } finally {
            lock.unlock();
        }
    }

    /** @throws StoreClosedException if the log is closed */
    void checkOpen() {
        lock.lock();
        try {
            if (closed) {
                throw new StoreClosedException("the write-ahead log in " + dir + " is closed");
            }
        } finally {
            lock.unlock();
        }
    }

    /** @throws StoreClosedException if closed; @throws StoreException if failed */
    void checkWritable() {
        lock.lock();
        try {
            checkOpen();
            if (failure != null) {
                throw failedEarlier();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Makes the log fail-stop because of an I/O failure outside an I/O turn (truncation). */
    StoreException fail(String what, IOException cause) {
        lock.lock();
        try {
            StoreException e = new StoreException(what + " in the write-ahead log in " + dir + " failed: " + cause,
                    cause);
            if (failure == null) {
                failure = e;
                queue.clear();
                flushWanted.signalAll();
            }
            return e;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes: writes and forces every queued record, writes the clean-close marker, releases the file. After a
     * failure, only releases the file, and throws. Idempotent; a concurrent second call waits for the first.
     *
     * @throws StoreException if the log had failed or fails now: it was not closed cleanly
     */
    void close() {
        lock.lock();
        try {
            if (closed) {
                while (!closeDone) {
                    progress.awaitUninterruptibly();
                }
                return;
            }
            closed = true;
            flusherStop = true;
            flushWanted.signalAll();
            if (failure == null) {
                forceWanted = Math.max(forceWanted, nextLsn - 1);
                try {
                    await(nextLsn - 1, true);
                } catch (StoreException e) {
                    // failure is set; fall through to release the file and report it
                }
            }
            while (ioBusy) {
                progress.awaitUninterruptibly();
            }
            ioBusy = true; // the writer is ours for good: nobody may write after the clean-close marker
            StoreException earlier = failure;
            IOException closeError = null;
            lock.unlock();
            try {
                if (earlier == null) {
                    writer.closeCleanly();
                }
            } catch (IOException e) {
                closeError = e;
            } finally {
                try {
                    writer.abandon();
                } finally {
                    lock.lock();
                    closeDone = true;
                    progress.signalAll();
                }
            }
            if (closeError != null) {
                failure = new StoreException("closing the write-ahead log in " + dir + " failed: " + closeError,
                        closeError);
                throw failure;
            }
            if (earlier != null) {
                throw new StoreException("the write-ahead log in " + dir + " failed earlier and was closed without "
                        + "a clean-close marker; reopen it to recover: " + earlier.getMessage(), earlier);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits (lock held) until {@code lsn} is written, or forced if {@code forced}, taking I/O turns as needed. */
    private void await(long lsn, boolean forced) {
        while (forced ? forcedLsn < lsn : writtenLsn < lsn) {
            if (failure != null) {
                throw failedEarlier();
            }
            if (ioBusy) {
                progress.awaitUninterruptibly();
            } else {
                runTurn();
            }
        }
    }

    /** One I/O turn (lock held on entry and exit, released during the I/O). */
    private void runTurn() {
        ioBusy = true;
        boolean force = forceWanted > forcedLsn;
        if (force && mode == SyncMode.SYNC) {
            gather();
        }
        List<Pending> batch = queue;
        queue = new ArrayList<>();
        long forcedBefore = forcedLsn;
        Throwable error = null;
        long started = System.nanoTime();
        lock.unlock();
        try {
            writer.write(batch, force);
        } catch (IOException | RuntimeException | Error e) {
            error = e;
        } finally {
            lock.lock();
        }
        writtenLsn = writer.writtenLsn();
        forcedLsn = writer.forcedLsn();
        if (force && error == null) {
            lastForceNanos = System.nanoTime() - started;
            lastForcedRecords = forcedLsn - forcedBefore;
        }
        unforcedBytes = writer.unforcedBytes();
        ioBusy = false;
        if (error != null && failure == null) {
            failure = new StoreException("write-ahead log in " + dir + " failed (the log is now fail-stop; "
                    + "reopen it to recover from what is on disk): " + error, error);
            queue.clear();
            flushWanted.signalAll();
        }
        progress.signalAll();
        if (mode == SyncMode.BATCH && unforcedBytes >= maxUnforcedBytes) {
            flushWanted.signalAll();
        }
        if (error instanceof Error e) {
            throw e;
        }
    }

    /**
     * Before a forcing turn, waits briefly (lock released) for the appenders the last force released to queue their
     * next records, so that one force covers them all. Without this, the first of N released appenders starts a
     * turn alone and the other N - 1 arrive during its force and wait for the one after: forces alternate between
     * covering 1 and N - 1 records. The wait ends as soon as as many records are queued as the last force covered,
     * and lasts at most half the last force's duration (and {@link #MAX_GATHER_NANOS}), so a lone appender never
     * waits (its last force covered one record, and its own is queued) and a shrinking crowd costs one short wait.
     */
    private void gather() {
        long expected = lastForcedRecords;
        if (queue.size() >= expected || lastForceNanos <= 0) {
            return;
        }
        long left = Math.min(lastForceNanos / 2, MAX_GATHER_NANOS);
        gathering = true;
        try {
            while (left > 0 && queue.size() < expected && failure == null) {
                left = arrived.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            gathering = false;
        }
    }

    private StoreException failedEarlier() {
        return new StoreException("the write-ahead log in " + dir + " failed earlier and must be reopened: "
                + failure.getMessage(), failure);
    }
}
