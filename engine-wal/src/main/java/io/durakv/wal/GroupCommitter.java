package io.durakv.wal;

import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Orders appends and shares writes and forces among concurrent callers (group commit), and keeps the log's
 * fail-stop and closed states.
 *
 * <p>How it works: an appender takes the next LSN and queues its record, both under {@link #lock}, so queue order is
 * LSN order. Then it waits until its record is written (NONE, BATCH) or forced (SYNC). There are two turns, each
 * held by at most one thread, with the lock released during its I/O:
 * <ul>
 *   <li>the <em>write turn</em>: whoever finds its record unwritten and the turn free takes the whole queue and
 *       writes it with one write call, then publishes how far the log is written;</li>
 *   <li>the <em>force turn</em>: whoever needs a force and finds the turn free forces the log up to the last
 *       published written position, then publishes how far it is forced.</li>
 * </ul>
 * The two overlap: records arriving during a force are written at once and covered by the next force, which starts
 * as soon as the current one ends; appends in BATCH and NONE mode never wait for a background force. A thread pays
 * at most one force per append, and with N threads one force covers up to N records. In SYNC mode a force turn
 * first waits briefly for the appenders the previous force released ({@link #gather()}), so that batches stay whole
 * instead of alternating between one record and N - 1. Rotation forces and closes the old segment, so the write
 * turn takes the force turn for it ({@link LogWriter.RotationTurn}); the force turn never waits for the write turn,
 * so the two cannot deadlock.
 *
 * <p>A failed force makes the log fail-stop ({@link #failure}): the data's fate is unknown and retrying cannot fix it
 * (durability-contract.md), so every later append and sync throws until the log is reopened. So does any other
 * failure the writer cannot undo ({@link FatalIOException}). A failed write (a full disk) is not fatal: the appends
 * whose records it did not write, and every append queued behind them, throw; their LSNs are handed out again, so
 * LSNs stay gap-free; the log goes on from the last record written, and later appends succeed once the disk accepts
 * writes again.
 *
 * <p>Thread-safe. All fields below {@link #lock} are guarded by it; {@link #writer} is used by the turn holders as
 * {@link LogWriter} describes, with the lock released.
 */
final class GroupCommitter {

    /** The longest a forcing turn waits for more records to join its force: 1 ms. */
    static final long MAX_GATHER_NANOS = 1_000_000;

    private final Path dir;
    private final SyncMode mode;
    /** Unforced bytes that wake the background flusher (BATCH, NONE); {@link Long#MAX_VALUE} in SYNC. */
    private final long backgroundForceBytes;
    private final LogWriter writer;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled after every turn and when close finishes. */
    private final Condition progress = lock.newCondition();
    /** Signalled to wake the BATCH flusher early (too many unforced bytes) or to stop it. */
    private final Condition flushWanted = lock.newCondition();

    /**
     * Appenders sleeping in {@link #append}, in LSN order, to wake when a turn ends ({@link #wakeSleepers}). Guarded
     * by lock.
     */
    private final List<Pending> sleepers = new ArrayList<>();
    /** Records with an LSN, not yet taken by a write turn, in LSN order. Guarded by lock. */
    private List<Pending> queue = new ArrayList<>();
    /** The LSN the next append gets. Guarded by lock. */
    private long nextLsn;
    /** Last LSN handed to the OS, as published by the last write turn or rotation. Guarded by lock. */
    private long writtenLsn;
    /** Last LSN known forced. Guarded by lock. */
    private long forcedLsn;
    /** The segment and offset up to which records through {@link #writtenLsn} were written. Guarded by lock. */
    private Segment writtenSegment;
    private long writtenOffset;
    /** Bytes written and bytes known forced since the log was opened. Guarded by lock. */
    private long writtenBytes;
    private long forcedBytes;
    /** Whether some thread holds the write turn, the force turn. Guarded by lock. */
    private boolean writeBusy;
    private boolean forceBusy;
    /** Whether the write turn waits for the force turn to rotate: nothing more gets written until it has it. */
    private boolean rotationWaiting;
    /** The first write or force failure; set once, never cleared. Guarded by lock. */
    private StoreException failure;
    /** Set when close starts: no new appends or syncs. Guarded by lock. */
    private boolean closed;
    /** Set when close has finished. Guarded by lock. */
    private boolean closeDone;
    /** Tells the BATCH flusher to exit. Guarded by lock. */
    private boolean flusherStop;
    /** Records the last forcing turn made durable: about how many appenders will come back for the next. */
    private long lastForcedRecords;
    /** How long the last force took, in nanoseconds. Guarded by lock. */
    private long lastForceNanos;

    GroupCommitter(Path dir, WalOptions options, LogWriter writer, long lastLsn) {
        this.dir = dir;
        this.mode = options.syncMode();
        this.backgroundForceBytes = backgroundForceBytes(options);
        this.writer = writer;
        this.nextLsn = lastLsn + 1;
        this.writtenLsn = lastLsn;
        this.forcedLsn = lastLsn;
        this.writtenSegment = writer.active();
        this.writtenOffset = writer.active().writeOffset();
        writer.rotationTurn(new LogWriter.RotationTurn() {
            @Override
            public void begin() {
                beginRotation();
            }

            @Override
            public void end(Throwable error, Segment active, long forcedThrough, long bytes) {
                endRotation(error, active, forcedThrough, bytes);
            }
        });
    }

    /**
     * Appends {@code p}: on return its LSN is set and it is written (and forced in SYNC mode).
     *
     * @throws StoreClosedException if the log is closed
     * @throws StoreException       if the log failed, now or earlier
     */
    void append(Pending p) {
        lock.lock();
        boolean locked = true;
        try {
            checkWritable();
            p.lsn = nextLsn++;
            queue.add(p);
            boolean forced = mode == SyncMode.SYNC;
            boolean wroteForOthers = false;
            while (true) {
                // Checked first: once a failed turn has handed p's LSN out again, another record may be written under it.
                if (p.error != null) {
                    throw p.error;
                }
                boolean done = forced ? forcedLsn >= p.lsn : writtenLsn >= p.lsn;
                // Whoever is awake writes what is queued, its own record or others' (a write costs less than waking
                // a sleeper to do it) — but once its own record is done, only once: appenders may keep arriving
                // during each write, and this one must return. Then it hands the queue to a sleeper.
                if (!writeBusy && !queue.isEmpty() && failure == null) {
                    if (!done || !wroteForOthers) {
                        wroteForOthers = done;
                        runWriteTurn(true);
                        continue;
                    }
                    wakeSleepers(false);
                }
                if (done) {
                    return;
                }
                if (failure != null) {
                    throw failedEarlier();
                }
                if (writtenLsn >= p.lsn && !forceBusy) {
                    runForceTurn(true);
                    continue;
                }
                // Sleep until a turn end wakes this appender: done (then return without the lock, so that the N
                // appenders one force releases do not queue for it one after another), failed, or a turn it needs
                // is free.
                p.sleeper = Thread.currentThread();
                p.woken = false;
                p.acked = false;
                int at = sleepers.size();
                while (at > 0 && sleepers.get(at - 1).lsn > p.lsn) {
                    at--;
                }
                sleepers.add(at, p); // in LSN order: woken in that order, they mostly apply in that order too
                lock.unlock();
                locked = false;
                boolean interrupted = false;
                while (!p.woken) {
                    LockSupport.park(this);
                    interrupted |= Thread.interrupted();
                }
                if (interrupted) {
                    Thread.currentThread().interrupt(); // as awaitUninterruptibly: the caller sees the flag
                }
                if (p.acked) {
                    return;
                }
                lock.lock();
                locked = true;
            }
        } finally {
            if (locked) {
                lock.unlock();
            }
        }
    }

    /** @return whether the log is fail-stop: every append and sync throws until it is reopened */
    boolean isFailed() {
        lock.lock();
        try {
            return failure != null;
        } finally {
            lock.unlock();
        }
    }

    /** Makes every record appended before the call durable. */
    void sync() {
        lock.lock();
        try {
            checkWritable();
            await(nextLsn - 1, true);
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
            await(writtenLsn, true);
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
            while (left > 0 && !flusherStop && writtenBytes - forcedBytes < backgroundForceBytes) {
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

    /**
     * The least NONE's background writeback forces at a time: {@value} bytes. Segments of up to 32 MiB fill up before
     * it fires, so small logs keep exactly the forces of sync(), close() and rotation.
     */
    static final long NONE_WRITEBACK_MIN_BYTES = 4L << 20;

    /**
     * @return the unforced bytes after which the background flusher forces: BATCH's {@code maxUnforcedBytes}; in
     *         NONE an eighth of a segment (at least {@link #NONE_WRITEBACK_MIN_BYTES}), so that rotation's force of
     *         the old segment finds little left to write instead of stalling the appender for a whole segment; none
     *         in SYNC, which has no flusher
     */
    static long backgroundForceBytes(WalOptions options) {
        return switch (options.syncMode()) {
            case BATCH -> options.maxUnforcedBytes();
            case NONE -> Math.max(NONE_WRITEBACK_MIN_BYTES, options.segmentBytes() / 8);
            case SYNC -> Long.MAX_VALUE;
        };
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

    /** @return the offset in the active segment up to which records are written */
    long writtenOffset() {
        lock.lock();
        try {
            return writtenOffset;
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

    /** Makes the log fail-stop because of an I/O failure outside an I/O turn (a failed directory force in truncation). */
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
            signalProgress();
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
                try {
                    await(Long.MAX_VALUE, true);
                } catch (StoreException e) {
                    // failure is set; fall through to release the file and report it
                }
            }
            while (writeBusy || forceBusy) {
                progress.awaitUninterruptibly();
            }
            // Both turns are ours for good: nobody may write or force after the clean-close marker.
            writeBusy = true;
            forceBusy = true;
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
                    signalProgress();
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

    /**
     * Waits (lock held) until every record through {@code lsn} is written, or forced if {@code forced}, taking turns as
     * needed. Records whose write failed are not waited for: the target shrinks to the last LSN handed out.
     */
    private void await(long lsn, boolean forced) {
        while (true) {
            long target = Math.min(lsn, nextLsn - 1);
            if (forced ? forcedLsn >= target : writtenLsn >= target) {
                return;
            }
            step(target, forced);
        }
    }

    /** One step towards {@code lsn} written (or forced): runs a turn, or waits for the thread holding one. */
    private void step(long lsn, boolean forced) {
        if (failure != null) {
            throw failedEarlier();
        }
        if (writtenLsn < lsn) {
            if (!writeBusy && !queue.isEmpty()) {
                runWriteTurn(false);
            } else {
                progress.awaitUninterruptibly();
            }
        } else if (!forceBusy) {
            runForceTurn(false);
        } else {
            progress.awaitUninterruptibly();
        }
    }

    /** One write turn (lock held on entry and exit, released during the I/O). */
    private void runWriteTurn(boolean appender) {
        writeBusy = true;
        List<Pending> batch = queue;
        queue = new ArrayList<>();
        Throwable error = null;
        lock.unlock();
        // The turn writes for every appender in the batch: an interrupt meant for this thread must not close the
        // segment's channel for all of them (FileChannel closes itself for good when an interrupted thread uses it).
        // The flag is set again after; an interrupt that arrives during the call still closes it (fail-stop).
        boolean interrupted = Thread.interrupted();
        try {
            writer.write(batch);
        } catch (IOException | RuntimeException | Error e) {
            error = e;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            lock.lock();
        }
        writeBusy = false;
        if (error == null || retryable(error)) {
            writtenLsn = writer.writtenLsn();
            writtenSegment = writer.active();
            writtenOffset = writer.active().writeOffset();
            writtenBytes = writer.writtenBytes();
        }
        if (error != null && retryable(error)) {
            failAppendsAfterWritten(batch, error);
            error = null;
        }
        finishTurn(error, appender);
        if (writtenBytes - forcedBytes >= backgroundForceBytes) {
            flushWanted.signalAll();
        }
    }

    /**
     * After a failed write the writer undid (lock held): fails the batch's records it did not write and every record
     * queued behind them, and hands their LSNs out again. The log itself goes on.
     */
    private void failAppendsAfterWritten(List<Pending> batch, Throwable error) {
        StoreException e = new StoreException("appending to the write-ahead log in " + dir + " failed, so the record "
                + "was not acknowledged; the log goes on and later appends succeed once the disk accepts writes "
                + "again: " + error, error);
        for (Pending p : batch) {
            if (p.lsn > writtenLsn) {
                p.error = e;
            }
        }
        for (Pending p : queue) {
            p.error = e;
        }
        queue = new ArrayList<>();
        nextLsn = writtenLsn + 1;
    }

    /**
     * @return whether {@code error} from the writer was undone by it: a failed write, not a force. Not a write on a
     *         closed channel ({@link ClosedChannelException}, e.g. {@code ClosedByInterruptException} when the turn
     *         holder's thread was interrupted): the active segment's file is closed for good, no later write to it can
     *         succeed, so the log must be fail-stop and reopened rather than fail every append while it looks healthy
     */
    private static boolean retryable(Throwable error) {
        return error instanceof IOException && !(error instanceof FatalIOException)
                && !(error instanceof ClosedChannelException);
    }

    /** One force turn (lock held on entry and exit, released during the I/O). */
    private void runForceTurn(boolean appender) {
        forceBusy = true;
        if (mode == SyncMode.SYNC) {
            gather();
        }
        if (failure != null) {
            forceBusy = false;
            signalProgress();
            return;
        }
        Segment segment = writtenSegment;
        long offset = writtenOffset;
        long target = writtenLsn;
        long bytes = writtenBytes;
        long forcedBefore = forcedLsn;
        Throwable error = null;
        long started = System.nanoTime();
        lock.unlock();
        // As the write turn: the force is for every record up to the offset, not only this thread's.
        boolean interrupted = Thread.interrupted();
        try {
            writer.force(segment, offset);
        } catch (IOException | RuntimeException | Error e) {
            error = e;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            lock.lock();
        }
        forceBusy = false;
        // A failure recorded while this force ran (a failed write or rotation) may have cost written pages:
        // publish nothing as durable once the log is fail-stop.
        if (error == null && failure == null) {
            lastForceNanos = System.nanoTime() - started;
            forcedLsn = Math.max(forcedLsn, target);
            forcedBytes = Math.max(forcedBytes, bytes);
            lastForcedRecords = forcedLsn - forcedBefore;
        }
        finishTurn(error, appender);
    }

    /** Rotation, from the write turn: waits for the force turn and takes it. */
    private void beginRotation() {
        lock.lock();
        try {
            rotationWaiting = true;
            signalProgress();
            while (forceBusy) {
                progress.awaitUninterruptibly();
            }
            rotationWaiting = false;
            forceBusy = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Rotation done, or failed: releases the force turn. A failure is recorded first, in the same critical section:
     * a failed force may have dropped written pages (fsyncgate), so no other thread may take the force turn, force
     * successfully and publish those records as durable.
     */
    private void endRotation(Throwable error, Segment active, long forcedThrough, long bytes) {
        lock.lock();
        try {
            forceBusy = false;
            if (error != null && !retryable(error)) {
                recordFailure(error);
            } else {
                // Done, or a write or creation failed after the old segment was forced (the write turn fails the
                // appends): every record written so far is forced.
                // Everything written so far is forced; later writes go to the new, empty segment.
                forcedLsn = Math.max(forcedLsn, forcedThrough);
                forcedBytes = Math.max(forcedBytes, bytes);
                writtenLsn = Math.max(writtenLsn, forcedThrough);
                writtenBytes = Math.max(writtenBytes, bytes);
                writtenSegment = active;
                writtenOffset = active.writeOffset();
            }
            signalProgress();
        } finally {
            lock.unlock();
        }
    }

    /**
     * After a turn (lock held): records a failure, wakes those waiting. {@code appender}: whether an appender held the
     * turn (not sync or close): an appender goes on to write the queue itself (or, once its own record
     * is done and it wrote for others once, wakes a sleeper to write it), so no sleeper is woken for the write turn
     * here ({@link #append}).
     */
    private void finishTurn(Throwable error, boolean appender) {
        if (error != null) {
            recordFailure(error);
        }
        progress.signalAll();
        if (!sleepers.isEmpty()) {
            wakeSleepers(appender);
        }
        if (error instanceof Error e) {
            throw e;
        }
    }

    /** Makes the log fail-stop (lock held), unless it already is. */
    private void recordFailure(Throwable error) {
        if (failure == null) {
            failure = new StoreException("write-ahead log in " + dir + " failed (the log is now fail-stop; "
                    + "reopen it to recover from what is on disk): " + error, error);
            queue.clear();
            flushWanted.signalAll();
        }
    }

    /**
     * Before a SYNC force, waits briefly (lock released) for the appenders the last force released to write their
     * next records, so that one force covers them all. Without this, the first of N released appenders starts a
     * force alone and the other N - 1 arrive during it and wait for the one after: forces alternate between covering
     * 1 and N - 1 records. The wait ends as soon as as many records are written and unforced as the last force
     * covered, and lasts at most half the last force's duration (and {@link #MAX_GATHER_NANOS}), so a lone appender
     * never waits (its last force covered one record, and its own is written) and a shrinking crowd costs one short
     * wait.
     */
    private void gather() {
        long expected = lastForcedRecords;
        long left = Math.min(lastForceNanos / 2, MAX_GATHER_NANOS);
        while (left > 0 && writtenLsn - forcedLsn < expected && failure == null && !rotationWaiting) {
            try {
                left = progress.awaitNanos(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * After any change of the turns, the written and forced positions, the failure or an append's error (lock held):
     * wakes the threads waiting on {@link #progress} (sync, close, rotation, the forcing turn's gather) and those
     * sleeping appenders that are done — acknowledged, so they return without taking the lock — or failed, plus one
     * appender for each turn that is free and needed: the first sleeper whose record is unwritten when the queue
     * waits for a write turn, the first whose record is written but unforced (SYNC) when the force turn is free.
     * The others sleep on: one force releasing N appenders costs N wake-ups, not N² and a convoy on the lock.
     */
    private void signalProgress() {
        progress.signalAll();
        if (!sleepers.isEmpty()) {
            wakeSleepers(false);
        }
    }

    private void wakeSleepers(boolean appenderWritesNext) {
        boolean forced = mode == SyncMode.SYNC;
        boolean writeTaker = appenderWritesNext || writeBusy || queue.isEmpty();
        // A force turn that is free and needed always wakes a sleeper, even when the appender that held the turn
        // could force next: it writes for arrivals first, and may keep doing so while they arrive during its writes.
        boolean forceTaker = !forced || forceBusy || writtenLsn <= forcedLsn;
        for (int i = 0; i < sleepers.size(); i++) {
            Pending p = sleepers.get(i);
            boolean wake;
            if (p.error != null || failure != null) {
                wake = true;
            } else if (forced ? forcedLsn >= p.lsn : writtenLsn >= p.lsn) {
                p.acked = true;
                wake = true;
            } else if (p.lsn > writtenLsn) {
                wake = !writeTaker;
                writeTaker = true;
            } else {
                wake = !forceTaker;
                forceTaker = true;
            }
            if (wake) {
                sleepers.remove(i--);
                p.woken = true;
                LockSupport.unpark(p.sleeper);
            }
        }
    }

    private StoreException failedEarlier() {
        return new StoreException("the write-ahead log in " + dir + " failed earlier and must be reopened: "
                + failure.getMessage(), failure);
    }
}
