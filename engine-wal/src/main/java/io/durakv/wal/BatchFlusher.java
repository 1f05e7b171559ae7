package io.durakv.wal;

import io.durakv.api.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * The background force of {@link io.durakv.api.SyncMode#BATCH}: a daemon thread that forces what is written at least
 * every {@code batchInterval}, and sooner when the unforced bytes pass {@link WalOptions#maxUnforcedBytes()}. It
 * takes part in group commit like any appender, so its force also covers records queued at that moment.
 *
 * <p>In {@link io.durakv.api.SyncMode#NONE} the same thread is the log's writeback: no timer, only a force each time
 * an eighth of a segment is written unforced ({@link GroupCommitter#backgroundForceBytes}). NONE promises nothing
 * more by it; it keeps rotation, which must force the whole old segment before sealing it, from stalling the
 * appender while a segment's worth of dirty pages goes to the device. Appends never wait for it.
 *
 * <p>After each force it also starts making the spare segment file rotation will use, when one is due
 * ({@link WriteAheadLog}, "spare"), on a thread of its own ({@link SegmentPool#startSpare}), so that no appender
 * waits while a new segment is zero-filled and this thread's forces go on meanwhile.
 *
 * <p>If its force fails, the log is fail-stop (the next append or sync throws) and the thread exits.
 *
 * <p>Thread-safe: {@link #stop()} may be called from any thread, once or more.
 */
final class BatchFlusher {

    private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);

    private final GroupCommitter committer;
    private final long intervalNanos;
    private final Thread thread;
    /** Run after each background force: starts a spare segment file when one is due (off the appenders' path). */
    private final Runnable afterForce;

    private BatchFlusher(GroupCommitter committer, Path dir, WalOptions options, Runnable afterForce) {
        this.committer = committer;
        this.afterForce = afterForce;
        this.intervalNanos = options.syncMode() == io.durakv.api.SyncMode.BATCH ? options.batchInterval().toNanos()
                : Long.MAX_VALUE;
        this.thread = new Thread(this::run, "durakv-wal-flusher[" + dir + "]");
        this.thread.setDaemon(true);
    }

    /** Starts the flusher thread. */
    static BatchFlusher start(GroupCommitter committer, Path dir, WalOptions options, Runnable afterForce) {
        BatchFlusher f = new BatchFlusher(committer, dir, options, afterForce);
        f.thread.start();
        return f;
    }

    /** Stops the thread and waits for it to exit. */
    void stop() {
        committer.stopFlusher();
        boolean interrupted = false;
        while (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (committer.awaitFlushTrigger(intervalNanos)) {
            try {
                committer.forceWritten();
            } catch (StoreException e) {
                LOG.error("background force of the write-ahead log failed; the log is fail-stop until reopened", e);
                return;
            }
            afterForce.run();
        }
    }
}
