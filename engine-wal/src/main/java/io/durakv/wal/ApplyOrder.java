package io.durakv.wal;

import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Applies logged records to an engine's in-memory state strictly in LSN order, for engines whose writers append
 * outside any store lock (so that they share the log's writes and forces) and then apply their own record.
 *
 * <p>A writer whose record is logged calls {@link #apply(long, Runnable)}. The writer of the next record in order takes
 * the store's lock and applies every record that is ready in order — its own and those of writers whose records came
 * back from the log first but whose turn had not come — and wakes exactly the writers whose records it applied
 * (combining), at most {@link #MAX_COMBINED} besides its own: then it wakes the writer of the next ready record, which
 * goes on. The others never touch the lock: they sleep until their record is applied. A writer therefore sleeps
 * at most once per write, instead of once for every record applied before its own and again in the lock's queue
 * (with one shared condition, N writers released by one force cost N² wake-ups and a convoy on the lock). A writer's
 * record is applied exactly once, under the lock, after every record before it; the
 * writer returns only after its own record is applied, so a later read on its thread sees it.
 *
 * <p>Failures: a record's work that throws is reported to its own writer (on whatever thread ran it), and stops the
 * order: the engine's work is expected to have failed the store, and no later record is applied after a failed one
 * (their writers get an {@link IllegalStateException} naming it, unless the store's check reports the failure
 * first). A waiting writer calls the store's {@code checkWritable} whenever it is woken by {@link #wakeAll()} (the
 * store calls that when it fails or closes): if the check throws and its record was not yet taken, the record is
 * withdrawn — it stays in the log, for recovery — and the writer gets the check's exception.
 *
 * <p>Thread-safe. The store's lock is held while a work runs; the work may release it in between (a condition wait),
 * and a record being applied is never taken by anyone else meanwhile.
 */
public final class ApplyOrder {

    /** One writer's logged record, waiting to be applied. */
    private static final class Slot {
        final long lsn;
        final Runnable work;
        final Thread owner;
        /** Set (after {@link #error}) once the work ran, or the order broke before it: the owner may return. */
        volatile boolean done;
        Throwable error;

        Slot(long lsn, Runnable work, Thread owner) {
            this.lsn = lsn;
            this.work = work;
            this.owner = owner;
        }
    }

    /**
     * The most records one writer applies in a pass besides its own: then it hands the order to the writer of the
     * next ready record, so that no writer applies others' records for as long as they keep coming.
     */
    static final int MAX_COMBINED = 64;

    private final ReentrantLock lock;
    private final Runnable checkWritable;
    /** Logged records not yet taken, by LSN. */
    private final ConcurrentHashMap<Long, Slot> ready = new ConcurrentHashMap<>();
    /** The last LSN applied. Written under the lock. */
    private volatile long appliedLsn;
    /** The first failed work, after which nothing more is applied. Written under the lock. */
    private volatile Throwable broken;
    private volatile long brokenLsn;

    /**
     * @param lock          the store's writer lock: works run while it is held
     * @param checkWritable throws the store's exception once it is closed or failed; returns normally otherwise
     * @param appliedLsn    the last LSN the store has applied (recovered)
     */
    public ApplyOrder(ReentrantLock lock, Runnable checkWritable, long appliedLsn) {
        this.lock = Objects.requireNonNull(lock, "lock");
        this.checkWritable = Objects.requireNonNull(checkWritable, "checkWritable");
        this.appliedLsn = appliedLsn;
    }

    /** @return the last LSN applied in order */
    public long appliedLsn() {
        return appliedLsn;
    }

    /**
     * Runs {@code work} for the logged record {@code lsn} once every record before it was applied, with the lock
     * held, on this thread or on the thread of a writer applying records before it, and returns when it ran.
     *
     * @throws IllegalStateException if {@code lsn} was applied or is pending already (the log handed it out twice),
     *                               or an earlier record's work failed
     * @throws RuntimeException      what {@code work} threw, or what the store's check threw while this writer
     *                               waited
     */
    public void apply(long lsn, Runnable work) {
        Objects.requireNonNull(work, "work");
        if (lsn == appliedLsn + 1) {
            // The next record in order (always so with one writer): no other writer can apply it, as it is not among
            // the waiting records, and no record after it can be applied before it, so appliedLsn stays lsn - 1
            // until this writer applies it itself, without registering it.
            applyNext(lsn, work);
            return;
        }
        Slot slot = new Slot(lsn, work, Thread.currentThread());
        if (lsn <= appliedLsn || ready.putIfAbsent(lsn, slot) != null) {
            throw new IllegalStateException("log record " + lsn + " arrived after record " + appliedLsn
                    + " was applied or while another record " + lsn + " was waiting");
        }
        // Only the writer of the next record takes the lock. Any other leaves its record to the writer applying the
        // one before it: that writer made appliedLsn reach lsn - 1 after this one read it lower, so its next look
        // for lsn - 1 + 1, under the lock, finds this record.
        if (lsn == appliedLsn + 1) {
            applyReady();
        }
        boolean interrupted = false;
        while (!slot.done) {
            if (broken != null || wokenToStop()) {
                // Withdraw the record unless a writer took it (it then finishes and wakes this one).
                lock.lock();
                try {
                    if (!slot.done && ready.remove(lsn, slot)) {
                        restoreInterrupt(interrupted);
                        checkWritable.run(); // the store's own failure first: it says why
                        throw broken != null ? brokenBefore(lsn)
                                : new IllegalStateException("log record " + lsn + " was withdrawn");
                    }
                } finally {
                    lock.unlock();
                }
                if (slot.done) {
                    break;
                }
            }
            LockSupport.park(this);
            if (Thread.interrupted()) {
                interrupted = true; // the record is logged: it is applied all the same; the caller sees the flag
            }
            // Handed the order (a writer stopped after its share, see applyReady) or woken otherwise: the next
            // record's writer applies it and what follows.
            if (!slot.done && broken == null && lsn == appliedLsn + 1) {
                applyReady();
            }
        }
        restoreInterrupt(interrupted);
        Throwable e = slot.error;
        if (e instanceof RuntimeException re) {
            throw re;
        }
        if (e instanceof Error err) {
            throw err;
        }
    }

    /** Wakes every waiting writer to check the store (call when it fails or closes). */
    public void wakeAll() {
        // The store's failure or close, set by the caller, is stored before the look at the waiting records (see
        // applyReady): a writer that registers meanwhile sees it in its own check.
        VarHandle.fullFence();
        for (Slot s : ready.values()) {
            LockSupport.unpark(s.owner);
        }
    }

    /**
     * Applies the ready records in order, under the lock, at most {@link #MAX_COMBINED} besides the caller's own; wakes
     * the writers of those it applied. If it stops at that bound with the next record ready, it wakes that record's
     * writer, which goes on (see {@link #apply}): else a writer whose record is long applied would go on applying the
     * others' records for as long as their writers keep coming back, and never return.
     */
    private void applyReady() {
        lock.lock();
        try {
            applyReadyLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@link #apply}'s path for the next record in order: applies it under the lock on this thread, then the records
     * that became ready behind it, as {@link #applyReady} does.
     */
    private void applyNext(long lsn, Runnable work) {
        lock.lock();
        try {
            if (broken != null) {
                checkWritable.run(); // the store's own failure first: it says why
                throw brokenBefore(lsn);
            }
            if (lsn != appliedLsn + 1 || ready.containsKey(lsn)) {
                throw new IllegalStateException("log record " + lsn + " arrived after record " + appliedLsn
                        + " was applied or while another record " + lsn + " was waiting");
            }
            try {
                work.run();
            } catch (RuntimeException | Error e) {
                brokenLsn = lsn;
                broken = e;
                wakeAll();
                throw e;
            }
            appliedLsn = lsn;
            // As in applyReadyLocked: the look for the next record must not run before this store.
            VarHandle.fullFence();
            applyReadyLocked();
        } finally {
            lock.unlock();
        }
    }

    /** The body of {@link #applyReady}, run with the lock held. */
    private void applyReadyLocked() {
        Thread me = Thread.currentThread();
        int others = 0;
        Slot s;
        while (broken == null && others < MAX_COMBINED && (s = ready.remove(appliedLsn + 1)) != null) {
            // Another writer's work runs without this thread's interrupt flag: an interrupt meant for this
            // writer must not break I/O done for that one (an interrupted FileChannel call closes the channel).
            boolean interrupted = false;
            if (s.owner != me) {
                others++;
                interrupted = Thread.interrupted();
            }
            try {
                try {
                    s.work.run();
                } finally {
                    if (interrupted) {
                        me.interrupt();
                    }
                }
                appliedLsn = s.lsn;
                // The other half of apply()'s put-then-read: ConcurrentHashMap looks a key up with acquire loads,
                // which the memory model lets run before the volatile store above; this look must not miss a
                // record whose writer read appliedLsn lower and left it to this writer.
                VarHandle.fullFence();
            } catch (RuntimeException | Error e) {
                s.error = e;
                brokenLsn = s.lsn;
                broken = e;
            }
            s.done = true;
            if (s.owner != Thread.currentThread()) {
                LockSupport.unpark(s.owner);
            }
        }
        if (broken != null) {
            wakeAll();
        } else {
            // Stopped at the bound, or found nothing: a next record put meanwhile was either seen here, or its
            // writer sees appliedLsn already at its predecessor and applies it itself.
            Slot next = ready.get(appliedLsn + 1);
            if (next != null && next.owner != me) {
                LockSupport.unpark(next.owner);
            }
        }
    }

    /** @return whether the store's check throws now (it is failed or closed) */
    private boolean wokenToStop() {
        try {
            checkWritable.run();
            return false;
        } catch (RuntimeException e) {
            return true;
        }
    }

    private IllegalStateException brokenBefore(long lsn) {
        return new IllegalStateException("log record " + lsn + " was not applied: applying record " + brokenLsn
                + " failed before it: " + broken, broken);
    }

    private static void restoreInterrupt(boolean interrupted) {
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
