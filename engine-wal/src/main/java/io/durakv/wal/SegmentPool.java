package io.durakv.wal;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Files of truncated segments kept for reuse (segment recycling), so that steady-state rotation neither zero-fills a
 * new file nor unlinks an old one: truncation renames a segment to {@code wal-<lsn>.recycle}, rotation renames it to
 * the next segment's name after writing a new header. Each byte a log writes then reaches the disk once instead of
 * twice (zero-fill, then record). Only with preallocation, and only files of exactly the segment size.
 *
 * <p>It also runs the making of the spare file ({@link #startSpare}) on a thread of its own, and a rotation that finds
 * no file but the spare under way waits for it ({@link #take}) rather than zero-filling a second file.
 *
 * <p>Thread-safe: truncation adds, the spare's thread offers, the write turn takes.
 */
final class SegmentPool {

    /** Files kept at most: enough for a log truncated a segment or two behind its head. */
    static final int MAX_FILES = 2;

    private final boolean enabled;
    private final long segmentBytes;
    private final Deque<Path> files = new ArrayDeque<>();
    /** The thread making the spare, or null. Guarded by this; notifyAll when it ends. */
    private Thread spareMaker;
    /** Set by {@link #stopSpare}: an unfinished spare is deleted, and no new one starts. */
    private volatile boolean stopping;

    SegmentPool(WalOptions options) {
        this.enabled = options.preallocate();
        this.segmentBytes = options.segmentBytes();
    }

    /** @return whether the file of segment {@code path} should be kept rather than deleted */
    synchronized boolean wants(Disk disk, Path path) throws IOException {
        return enabled && files.size() < MAX_FILES && sizeOf(disk, path) == segmentBytes;
    }

    /** Adds a file already renamed to its recycle name. */
    synchronized void add(Path recycled) {
        files.addLast(recycled);
    }

    /**
     * Adds a spare file made ahead of rotation ({@link Segment#createSpare}) if the pool has room.
     *
     * @return false if it has none (the caller deletes the spare)
     */
    private boolean offerSpare(Path spare) {
        if (!enabled || files.size() >= MAX_FILES) {
            return false;
        }
        files.addLast(spare);
        return true;
    }

    /** Puts back a file {@link #take()} gave out and rotation could not use (a failed header write or rename). */
    synchronized void giveBack(Path recycled) {
        files.addFirst(recycled);
    }

    /** @return whether the spare is being made */
    synchronized boolean makingSpare() {
        return spareMaker != null;
    }

    /**
     * Starts making a spare segment file ({@link Segment#createSpare}) on a thread of its own, unless one is being
     * made, the pool holds a file, or the pool is stopping. The spare's force (a whole segment of zeros: 0.1–0.3 s on
     * the benchmark machine) then no longer holds up the log's background thread, whose own forces keep the part of
     * the active segment a rotation must force short. When it is done the spare joins the pool (or is deleted if the
     * pool filled meanwhile); a failure deletes what was made and goes to {@code onFailure} (never fatal to the log).
     * Once {@code logFailed} is true (the log is fail-stop) it stops between megabytes and deletes what it made.
     */
    synchronized void startSpare(Disk disk, Path dir, WalOptions options, BooleanSupplier logFailed,
                                 Consumer<Exception> onFailure) {
        if (!enabled || stopping || spareMaker != null || !files.isEmpty()) {
            return;
        }
        Thread t = new Thread(() -> makeSpare(disk, dir, options, logFailed, onFailure),
                "durakv-wal-spare[" + dir + "]");
        t.setDaemon(true);
        spareMaker = t;
        t.start();
    }

    private void makeSpare(Disk disk, Path dir, WalOptions options, BooleanSupplier logFailed,
                           Consumer<Exception> onFailure) {
        try {
            // A log gone fail-stop writes nothing more of its own: the spare stops too.
            Path made = Segment.createSpare(disk, dir, options, () -> stopping || logFailed.getAsBoolean());
            if (made != null) {
                synchronized (this) {
                    if (!offerSpare(made)) {
                        disk.delete(made);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            onFailure.accept(e);
        } finally {
            synchronized (this) {
                spareMaker = null;
                notifyAll();
            }
        }
    }

    /**
     * Stops the spare's making (an unfinished spare is deleted; a finished one stays in the pool) and waits for its
     * thread to end. Called once the log's background thread is stopped, as the log closes.
     */
    void stopSpare() {
        stopping = true;
        synchronized (this) {
            awaitSpareWhile(() -> true);
        }
    }

    /**
     * @return a file to reuse, or null; with none waiting but the spare under way, waits for the spare (less than
     *         zero-filling another file would take, and that would compete with it for the device)
     */
    synchronized Path take() {
        awaitSpareWhile(files::isEmpty);
        return files.pollFirst();
    }

    /**
     * Waits, holding this pool's monitor, while the spare's thread runs (and is not the caller) and {@code condition}
     * holds; an interrupt does not end the wait, it is kept for the caller.
     */
    private void awaitSpareWhile(BooleanSupplier condition) {
        boolean interrupted = false;
        while (spareMaker != null && spareMaker != Thread.currentThread() && condition.getAsBoolean()) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return how many files wait for reuse */
    synchronized int size() {
        return files.size();
    }

    private static long sizeOf(Disk disk, Path path) throws IOException {
        try (DiskFile f = disk.open(path, OpenMode.READ)) {
            return f.size();
        }
    }
}
