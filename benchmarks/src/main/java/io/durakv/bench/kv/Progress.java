package io.durakv.bench.kv;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line progress bar on stderr for long runs: the step, the engine and workload, a bar, and the current rate.
 * Redrawn by a daemon thread four times a second; workers only add to a counter. Does nothing when disabled.
 */
final class Progress implements AutoCloseable {

    private final boolean enabled;
    private final PrintStream err;
    private final AtomicLong done = new AtomicLong();
    private volatile String label = "";
    private volatile long total = 1;
    private volatile long startNanos;
    private volatile long capNanos;
    private final Thread drawer;
    private volatile boolean closed;

    Progress(boolean enabled, PrintStream err) {
        this.enabled = enabled;
        this.err = err;
        this.drawer = new Thread(this::drawLoop, "kvbench-progress");
        drawer.setDaemon(true);
        if (enabled) {
            drawer.start();
        }
    }

    /** Starts a new step of {@code total} operations. */
    void start(String label, long total) {
        start(label, total, 0);
    }

    /** Starts a new step of {@code total} operations or {@code capNanos} (0: no cap), whichever ends it first. */
    void start(String label, long total, long capNanos) {
        this.label = label;
        this.total = Math.max(1, total);
        this.capNanos = capNanos;
        this.startNanos = System.nanoTime();
        done.set(0);
    }

    /** Counts {@code n} finished operations. */
    void advance(long n) {
        if (enabled) {
            done.addAndGet(n);
        }
    }

    private void drawLoop() {
        while (!closed) {
            draw();
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void draw() {
        long d = done.get();
        long elapsed = System.nanoTime() - startNanos;
        double fraction = Math.min(1.0, Math.max((double) d / total, capNanos > 0 ? (double) elapsed / capNanos : 0));
        int width = 30;
        int filled = (int) (fraction * width);
        double seconds = elapsed / 1e9;
        String line = String.format(Locale.ROOT, "\r%-40.40s [%s%s] %3d%% %,10.0f ops/s ", label, "#".repeat(filled),
                "-".repeat(width - filled), (int) (fraction * 100), seconds > 0 ? d / seconds : 0);
        err.print(line);
        err.flush();
    }

    @Override
    public synchronized void close() {
        closed = true;
        drawer.interrupt();
        if (enabled) {
            err.print("\r" + " ".repeat(100) + "\r");
            err.flush();
        }
    }
}
