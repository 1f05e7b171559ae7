package io.durakv.bitcask;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Runs the store's structural work (hint files, merges) one task at a time: on a daemon thread, or, with
 * {@code bitcask.backgroundMerge=0}, on the writing thread right after its write ({@link #drain()}), which makes a
 * workload's disk calls deterministic for crash tests. A task that fails in a way the store calls retryable (a failed
 * write, create, rename or delete, e.g. a full disk: the task removed its partial output and nothing refers to it) is
 * logged at WARN and run again later, first in the queue, after a back-off doubling from {@value #MIN_BACKOFF_MS} ms to
 * {@value #MAX_BACKOFF_MS} ms (on the writing thread: at the first {@link #drain()} after it); any other failure turns
 * the store read-only through the failure handler, and later tasks are dropped. A failure never escapes to the caller
 * of {@link #drain()}: the write that ran it was already applied. A task that throws {@link Deferred} (a merge giving
 * way to reads, {@link Merger}) runs again {@value #DEFER_MS} ms later, after the tasks queued meanwhile; it is neither
 * a failure nor a retry.
 *
 * <p>Thread-safe.
 */
final class Background {

    private static final Logger LOG = LoggerFactory.getLogger(Background.class);

    /** A unit of structural work. */
    @FunctionalInterface
    interface Task {
        void run() throws Exception;
    }

    static final long MIN_BACKOFF_MS = 10;
    static final long MAX_BACKOFF_MS = 1000;
    /** How long a deferred task waits before it runs again. */
    static final long DEFER_MS = 100;

    private final Path dir;
    private final BiConsumer<String, Throwable> onFailure;
    private final Predicate<Throwable> retryable;
    private final Deque<Task> queue = new ArrayDeque<>();
    private final Object runLock = new Object();
    private final Thread thread;
    private boolean stopped;
    private boolean failed;
    /** When the task at the head of the queue, which failed, may run again ({@link System#nanoTime()}); 0: now. */
    private long retryAt;
    private long backoffMs = MIN_BACKOFF_MS;
    private long retries;
    /** A task that gave way ({@link Deferred}) and runs again at {@link #deferredAt}; null if none. */
    private Task deferred;
    private long deferredAt;
    private long deferrals;

    Background(Path dir, boolean threaded, BiConsumer<String, Throwable> onFailure, Predicate<Throwable> retryable) {
        this.dir = dir;
        this.onFailure = onFailure;
        this.retryable = retryable;
        if (threaded) {
            thread = new Thread(this::loop, "durakv-bitcask-merge " + dir);
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    /** Queues {@code task}; it runs on the background thread, or in the next {@link #drain()}. */
    synchronized void submit(Task task) {
        if (!stopped && !failed) {
            queue.addLast(task);
            notifyAll();
        }
    }

    /** Without a background thread: runs the queued tasks on this thread. Does nothing with one. */
    void drain() {
        if (thread != null) {
            return;
        }
        synchronized (runLock) {
            Task t;
            while ((t = next(false)) != null) {
                runOne(t);
            }
        }
    }

    /** Runs {@code r} while no task runs (a check that must not see a merge half done). */
    void exclusive(Runnable r) {
        synchronized (runLock) {
            r.run();
        }
    }

    private synchronized Task next(boolean wait) {
        while (true) {
            if (stopped || failed) {
                return null;
            }
            long now = System.nanoTime();
            long delay = retryAt == 0 ? 0 : retryAt - now;
            if (!queue.isEmpty() && delay <= 0) {
                retryAt = 0;
                return queue.pollFirst();
            }
            long deferDelay = deferred == null ? Long.MAX_VALUE : deferredAt - now;
            if (deferDelay <= 0) {
                Task t = deferred;
                deferred = null;
                return t;
            }
            if (!wait) {
                return null;
            }
            long waitNanos = Math.min(queue.isEmpty() ? Long.MAX_VALUE : delay, deferDelay);
            try {
                if (waitNanos == Long.MAX_VALUE) {
                    wait();
                } else {
                    wait(Math.max(1, waitNanos / 1_000_000));
                }
            } catch (InterruptedException e) {
                return null;
            }
        }
    }

    private void loop() {
        Task t;
        while ((t = next(true)) != null) {
            synchronized (runLock) {
                runOne(t);
            }
        }
    }

    private void runOne(Task t) {
        try {
            t.run();
            synchronized (this) {
                backoffMs = MIN_BACKOFF_MS;
            }
        } catch (Deferred d) {
            synchronized (this) {
                if (!stopped && !failed) {
                    deferred = t;
                    deferredAt = System.nanoTime() + DEFER_MS * 1_000_000;
                    deferrals++;
                }
            }
        } catch (Throwable e) {
            if (!(e instanceof Aborted) && !(e instanceof Error) && retryable.test(e)) {
                long delay;
                synchronized (this) {
                    if (stopped) {
                        return;
                    }
                    queue.addFirst(t);
                    delay = backoffMs;
                    retryAt = System.nanoTime() + delay * 1_000_000;
                    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                    retries++;
                }
                LOG.warn("structural work (merge or hint file) in {} failed; nothing refers to its partial output, "
                        + "retrying in {} ms: {}", dir, delay, e.toString());
                return;
            }
            synchronized (this) {
                failed = true;
                queue.clear();
                deferred = null;
            }
            if (e instanceof Aborted) {
                LOG.debug("structural work in {} stopped by close", dir);
            } else {
                onFailure.accept("structural work (merge or hint file)", e);
            }
        }
    }

    /** @return how many times a task failed and was queued again */
    synchronized long retries() {
        return retries;
    }

    /** @return how many times a task gave way ({@link Deferred}) */
    synchronized long deferrals() {
        return deferrals;
    }

    /** @return whether a task waits to run (queued, failed and waiting for its retry, or deferred) */
    synchronized boolean pending() {
        return !queue.isEmpty() || deferred != null;
    }

    /** @return whether the caller is the background thread (false without one: tasks run in {@link #drain()}) */
    boolean isBackgroundThread() {
        return thread != null && Thread.currentThread() == thread;
    }

    /** Drops queued tasks and waits for the running one (which sees the store closed and stops early). */
    void stop() {
        synchronized (this) {
            stopped = true;
            queue.clear();
            deferred = null;
            notifyAll();
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            synchronized (runLock) {
                // waits for a task running on another writer thread
            }
        }
    }

    /**
     * Thrown by a task that gives way to the store's foreground work before it changed anything that counts (it
     * removed its partial output): it runs again later ({@link #DEFER_MS}).
     */
    static final class Deferred extends RuntimeException {
        Deferred() {
            super("deferred", null, false, false);
        }
    }

    /** Thrown by a task that stops because the store is closing. */
    static final class Aborted extends RuntimeException {
        Aborted() {
            super("store closing", null, false, false);
        }
    }
}
