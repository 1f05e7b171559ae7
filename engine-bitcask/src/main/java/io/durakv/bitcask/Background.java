package io.durakv.bitcask;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BiConsumer;

/**
 * Runs the store's structural work (hint files, merges) one task at a time: on a daemon thread, or, with
 * {@code bitcask.backgroundMerge=0}, on the writing thread right after its write ({@link #drain()}), which makes a
 * workload's disk calls deterministic for crash tests. A failing task turns the store read-only through the failure
 * handler; later tasks are dropped.
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

    private final Path dir;
    private final BiConsumer<String, Throwable> onFailure;
    private final Deque<Task> queue = new ArrayDeque<>();
    private final Object runLock = new Object();
    private final Thread thread;
    private boolean stopped;
    private boolean failed;

    Background(Path dir, boolean threaded, BiConsumer<String, Throwable> onFailure) {
        this.dir = dir;
        this.onFailure = onFailure;
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
        while (wait && queue.isEmpty() && !stopped) {
            try {
                wait();
            } catch (InterruptedException e) {
                return null;
            }
        }
        return stopped || failed ? null : queue.pollFirst();
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
        } catch (Throwable e) {
            synchronized (this) {
                failed = true;
                queue.clear();
            }
            if (e instanceof Aborted) {
                LOG.debug("structural work in {} stopped by close", dir);
            } else {
                onFailure.accept("structural work (merge or hint file)", e);
            }
        }
    }

    /** Drops queued tasks and waits for the running one (which sees the store closed and stops early). */
    void stop() {
        synchronized (this) {
            stopped = true;
            queue.clear();
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

    /** Thrown by a task that stops because the store is closing. */
    static final class Aborted extends RuntimeException {
        Aborted() {
            super("store closing", null, false, false);
        }
    }
}
