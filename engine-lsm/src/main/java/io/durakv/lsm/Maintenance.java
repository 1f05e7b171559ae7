package io.durakv.lsm;

import io.durakv.api.io.ForceFailedException;
import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.wal.StoreState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The structural work of an LSM store: flushing immutable memtables to L0, leveled compaction, manifest rewrites.
 * Normally one background thread does it all, flushes first; in inline mode (tests) the writing thread does it when it
 * becomes due. The two protocols, each one method whose steps read in order:
 *
 * <ul>
 *   <li>{@link #flush}: write the SSTable, force it, force the directory, append the version edit (forced: the
 *       manifest is SYNC), and only then truncate the WAL below the flushed LSN. The WAL is never truncated before
 *       the SSTable holding its records is durable and named by a durable manifest.</li>
 *   <li>{@link #compact}: write the output tables (each forced), force the directory, append the edit removing the
 *       inputs and adding the outputs (forced); inputs are deleted only when no version lists them, which is after
 *       that edit is durable.</li>
 * </ul>
 *
 * <p><b>Failures</b> (lsm.md, "Failures"): a failed write, create, rename, truncate or delete (a full disk) is not
 * fatal: the partial output, which no manifest edit names, is deleted, the work is logged at WARN and retried later
 * (the background thread backs off, doubling from {@value #FIRST_BACKOFF_MILLIS} ms to {@value #MAX_BACKOFF_MILLIS}
 * ms; inline, at the next write that finds work due). The data it would have made durable is still in the memtables
 * and the log, which is truncated only after a flush completed. A failed force, a failure that made the log or the
 * manifest fail-stop, damage read from a table, or a result the engine cannot prove it undid fails the store
 * (fail-stop, {@link StoreState#fail}).
 *
 * <p>Thread-safety: all work runs on one thread at a time (the background thread, or a writer holding the store's
 * writer lock in inline mode); {@link #due} and {@link #stop} may be called from any thread.
 */
final class Maintenance {

    private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);
    static final long FIRST_BACKOFF_MILLIS = 10;
    static final long MAX_BACKOFF_MILLIS = 1000;
    /**
     * At most this many immutable memtables (the oldest ones waiting) go into one flushed table: when the flush is
     * behind the writers, two waiting memtables cost one table and one round of forces (table, directory, manifest)
     * instead of two; capped so that a stalled writer waits for no more than two memtables' worth of flushing.
     */
    static final int FLUSH_MEMTABLES = 2;

    private final LsmStore store;
    private final boolean background;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    /** Round-robin compaction pointers per level (largest key of the last file compacted out of it). */
    private final byte[][] pointers = new byte[LsmFormat.LEVELS][];
    // Guarded by lock.
    private boolean pending;
    private boolean stopping;
    private Thread thread;
    /** Failed attempts in a row of the work now being retried; 0 after a success. Guarded by lock. */
    private int failures;
    /** When the background thread retries after a failure ({@link System#nanoTime()}). Guarded by lock. */
    private long retryAt;
    /** The last failure of work still being retried, or null: writers stalled behind it give up (lsm.md). */
    private volatile StoreException retrying;
    /** When the work being retried first failed ({@link System#nanoTime()}); valid while {@link #retrying} is set. */
    private volatile long failingSince;

    Maintenance(LsmStore store, boolean background) {
        this.store = store;
        this.background = background;
    }

    /** @return whether a background thread does the work (else the writing thread, inline) */
    boolean isBackground() {
        return background;
    }

    /** Starts the background thread (after recovery), and runs what is already due. */
    void start() {
        if (!background) {
            runDue();
            return;
        }
        lock.lock();
        try {
            thread = new Thread(this::loop, "durakv-lsm-maintenance " + store.dir);
            thread.setDaemon(true);
            pending = true;
            thread.start();
        } finally {
            lock.unlock();
        }
    }

    /** Notes that work may be due (a memtable became immutable): wakes the thread, or runs it now in inline mode. */
    void due() {
        if (!background) {
            runDue();
            return;
        }
        lock.lock();
        try {
            pending = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the background thread after its current step; waits for it. */
    void stop() {
        Thread t;
        lock.lock();
        try {
            stopping = true;
            wake.signalAll();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t != null && t != Thread.currentThread()) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean stopping() {
        lock.lock();
        try {
            return stopping;
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (true) {
            lock.lock();
            try {
                while (!stopping) {
                    if (failures > 0) { // backing off: a due() does not shorten the wait
                        long wait = retryAt - System.nanoTime();
                        if (wait <= 0) {
                            break;
                        }
                        awaitNanos(wait);
                    } else if (pending) {
                        break;
                    } else {
                        wake.awaitUninterruptibly();
                    }
                }
                if (stopping) {
                    return;
                }
                pending = false;
            } finally {
                lock.unlock();
            }
            if (!runDue()) {
                return;
            }
        }
    }

    private void awaitNanos(long nanos) {
        try {
            wake.awaitNanos(nanos);
        } catch (InterruptedException e) {
            // the thread stops through the stopping flag only
        }
    }

    /**
     * Runs flushes and compactions until none is due. A failure that can be retried is logged and backed off from;
     * any other fails the store. Never throws but an {@link Error} in inline mode: the write that ran it inline was
     * already applied (lsm.md, "Failures").
     *
     * @return false if the store failed or is closing
     */
    boolean runDue() {
        try {
            while (!stopping() && store.state.failure() == null && !store.state.isClosed() && step()) {
                succeeded(); // one flush or compaction per step, so that stop() waits for at most one
            }
            succeeded();
            return store.state.failure() == null;
        } catch (Error e) {
            store.state.fail("background flush or compaction", e);
            if (!background) {
                throw e;
            }
            return false;
        } catch (IOException | RuntimeException e) {
            if (!retryable(e)) {
                store.state.fail("background flush or compaction", e);
                return false;
            }
            backOff(e);
            return !store.state.isClosed();
        }
    }

    /**
     * @return whether a failed flush or compaction can be retried: an I/O failure ({@link IOException}, or a
     *         {@link StoreException} of the log or manifest) that was not a failed force, did not make the log or the
     *         manifest fail-stop, and is not damage read from a table. A bug (any other exception) is not retried.
     */
    private boolean retryable(Exception e) {
        return (e instanceof IOException || e instanceof StoreException) && !ForceFailedException.isIn(e)
                && !store.wal.isFailed() && !store.manifest.isFailed()
                && !(e instanceof CorruptionException) && !(e.getCause() instanceof CorruptionException);
    }

    private void succeeded() {
        if (retrying == null) {
            return;
        }
        lock.lock();
        try {
            LOG.info("background flush or compaction in {} works again after {} failed attempts", store.dir,
                    failures);
            failures = 0;
            retrying = null;
        } finally {
            lock.unlock();
        }
        store.stallsMayEnd();
    }

    private void backOff(Exception e) {
        long delay;
        lock.lock();
        try {
            failures++;
            if (failures == 1) {
                failingSince = System.nanoTime();
            }
            delay = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(failures - 1, 20));
            retryAt = System.nanoTime() + delay * 1_000_000;
            retrying = e instanceof StoreException se ? se
                    : new StoreException("background flush or compaction in " + store.dir + " failed: " + e, e);
        } finally {
            lock.unlock();
        }
        LOG.warn("background flush or compaction in {} failed ({} in a row); the data stays in the memtables and the"
                + " log; retrying {}: {}", store.dir, failures, background ? "in " + delay + " ms" : "at the next write",
                e.toString());
        store.stallsMayEnd(); // stalled writers see the failure and stop waiting after their bound
    }

    /** @return the failure of background work being retried, or null if it is not failing */
    StoreException retrying() {
        return retrying;
    }

    /** @return when the work being retried first failed ({@link System#nanoTime()}), if {@link #retrying} is set */
    long failingSince() {
        return failingSince;
    }

    /** Runs the most urgent piece of work. @return whether there was any */
    private boolean step() throws IOException {
        View v = store.view();
        if (!v.immutables().isEmpty() && v.version().files(0).size() < store.config.level0StopTrigger()) {
            flush(v.oldestImmutables(FLUSH_MEMTABLES));
            return true;
        }
        Compaction c = Compaction.pick(store.versions.current(), store.config, pointers);
        if (c != null) {
            compact(c);
            return true;
        }
        return false;
    }

    /**
     * Flushes every immutable memtable now, on this thread (recovery, before the store takes writes), compacting
     * whenever L0 reaches {@code lsm.level0StopTrigger}.
     */
    void flushAllImmutables() throws IOException {
        while (store.view().oldestImmutable() != null) {
            Compaction c = store.versions.current().files(0).size() >= store.config.level0StopTrigger()
                    ? Compaction.pick(store.versions.current(), store.config, pointers) : null;
            if (c != null) {
                compact(c);
            } else {
                flush(store.view().oldestImmutables(FLUSH_MEMTABLES));
            }
        }
    }

    /**
     * At close, after the background thread stopped and no write can be applied any more: flushes every memtable
     * (the caller made the active one immutable) with the flush protocol, so that the next open replays little of the
     * log. Failing to flush loses nothing: the records stay in the log, which close forces. A failure that can be
     * retried (no space) is logged and left to the next open; any other fails the store.
     */
    void flushAtClose() {
        try {
            flushAllImmutables();
        } catch (IOException | RuntimeException e) {
            if (!retryable(e)) {
                throw store.state.fail("flush at close", e);
            }
            LOG.warn("flushing the memtables of {} at close failed; the next open replays them from the log: {}",
                    store.dir, e.toString());
        }
    }

    // ---- flush -------------------------------------------------------------------------------------------------

    /**
     * The flush protocol, exactly in this order: write the SSTable, force it, force the directory, append the
     * version edit, force the manifest, and only then truncate the WAL below the flushed LSN.
     *
     * @param imms the oldest immutable memtables, newest first ({@link View#oldestImmutables}): one table holds the
     *             newest version of each key of them all, so that two memtables waiting cost one table, one force of
     *             it, of the directory and of the manifest, instead of two of each
     */
    private void flush(List<Memtable> imms) throws IOException {
        long number = store.versions.newFileNumber();
        Path file = LsmFormat.sstPath(store.dir, number);
        long lastLsn = imms.get(0).lastSequence();
        // Every record the table covers is forced in the log first: recovery must never find a log that ends below
        // the covered LSN (NONE and BATCH modes may not have forced them yet).
        store.wal.sync();
        SstMeta meta = flushTable(file, imms); // finish() forced the table's bytes
        // The table's name durable before the manifest names it.
        ForceFailedException.forceDirectory(store.disk, store.dir);
        VersionEdit edit = new VersionEdit().add(0, FileMeta.of(number, meta)).coveredLsn(lastLsn)
                .nextFile(store.versions.nextFile());
        appendEdit(edit, List.of(file)); // forced (SYNC manifest): the table is live, covers the log up to lastLsn
        store.install(store.versions.current().apply(edit), edit, imms);
        store.stats.flushes.incrementAndGet();
        if (imms.size() > 1) {
            store.stats.memtablesFlushedTogether.addAndGet(imms.size());
        }
        store.stallsMayEnd();
        long firstBefore = store.wal.firstLsn();
        try {
            store.wal.truncateBefore(lastLsn + 1); // only now: the records are durable in a table a durable edit names
        } catch (RuntimeException e) {
            if (!retryable(e)) {
                throw e;
            }
            // The flush is complete; a later flush truncates further (truncateBefore covers everything below).
            LOG.warn("truncating the log of {} below LSN {} failed; a later flush retries: {}", store.dir,
                    lastLsn + 1, e.toString());
        }
        if (store.wal.firstLsn() > firstBefore) {
            store.stats.walSegmentsTruncated.incrementAndGet();
        }
        LOG.debug("flushed {} entries up to LSN {} to {} ({} bytes)", meta.entries(), lastLsn, file,
                meta.fileBytes());
        maybeRewriteManifest();
    }

    /**
     * Appends {@code edit} to the manifest (forced). If that fails without making the manifest fail-stop, nothing of
     * the edit is visible to recovery: its new tables {@code outputs} are orphans, deleted here.
     */
    private void appendEdit(VersionEdit edit, List<Path> outputs) {
        try {
            store.manifest.append(edit);
        } catch (RuntimeException e) {
            if (!store.manifest.isFailed()) {
                discard(outputs, e);
            }
            throw e;
        }
    }

    /** Deletes output tables no manifest edit names (a failed flush or compaction); what stays, open deletes. */
    private void discard(List<Path> outputs, Exception cause) {
        for (Path p : outputs) {
            try {
                store.disk.deleteIfExists(p);
            } catch (IOException | RuntimeException e) {
                cause.addSuppressed(e);
                LOG.warn("could not delete {}, output of a failed flush or compaction; the next open will: {}", p,
                        e.toString());
            }
        }
    }

    // ---- compaction --------------------------------------------------------------------------------------------

    /**
     * The compaction protocol: write the outputs (each forced by finish), force the directory, append the edit that
     * removes the inputs and adds the outputs (forced), install the new version. The inputs are deleted once no
     * version lists them, which is after the edit is durable.
     */
    private void compact(Compaction c) throws IOException {
        Version base = store.versions.current();
        int out = c.outputLevel();
        VersionEdit edit = new VersionEdit();
        for (FileMeta f : c.inputs()) {
            edit.delete(c.level(), f.number);
        }
        for (FileMeta f : c.nextInputs()) {
            edit.delete(out, f.number);
        }
        boolean trivial = c.isTrivialMove();
        List<Path> written = new ArrayList<>();
        if (trivial) {
            for (FileMeta f : c.inputs()) {
                edit.add(out, f); // same files, one level down: nothing to write, one edit moves them all
            }
        } else {
            List<InternalIterator> sources = new ArrayList<>();
            List<Output> outputs;
            try {
                // L0 inputs overlap: one iterator each. Deeper levels are sorted runs, read one file at a time, so
                // a compaction pins at most (L0 files + 2) tables. Its reads do not fill the block cache (read once).
                if (c.level() == 0) {
                    for (FileMeta f : c.inputs()) {
                        sources.add(TableIterator.open(store.tableCache, store.dir, f, false));
                    }
                } else {
                    sources.add(TableIterator.level(store.tableCache, store.dir, c.inputs(), false));
                }
                sources.add(TableIterator.level(store.tableCache, store.dir, c.nextInputs(), false));
                try (MergingIterator it = new MergingIterator(sources)) {
                    sources = List.of();
                    it.seekToFirst();
                    outputs = writeTable(it, out, store.config.targetFileBytes(), base);
                }
            } finally {
                sources.forEach(InternalIterator::close);
            }
            if (!outputs.isEmpty()) {
                // The outputs' names durable before the manifest names them.
                ForceFailedException.forceDirectory(store.disk, store.dir);
            }
            for (Output o : outputs) {
                edit.add(out, FileMeta.of(o.number, o.meta));
                written.add(LsmFormat.sstPath(store.dir, o.number));
            }
        }
        edit.nextFile(store.versions.nextFile());
        appendEdit(edit, written); // forced: the outputs are live, the inputs obsolete (deleted when unreferenced)
        // Applied to the current version, not base: flushes between outputs may have added L0 files since (they only
        // ever add, so the inputs are all still there).
        store.install(store.versions.current().apply(edit), edit, null);
        FileMeta last = c.inputs().get(c.inputs().size() - 1);
        pointers[c.level()] = last.largest;
        (trivial ? store.stats.trivialMoves : store.stats.compactions).incrementAndGet();
        if (trivial) {
            store.stats.filesMoved.addAndGet(c.inputs().size());
        }
        LOG.debug("compacted L{} {} + L{} {} {}", c.level(), c.inputs(), out, c.nextInputs(),
                trivial ? "(moved)" : "");
        maybeRewriteManifest();
    }

    /**
     * Writes the newest version of each key of {@code imm} to {@code file} (forced by {@link SstWriter#finish()}),
     * straight out of the memtable's pages. On failure the partial file, which no manifest edit names, is deleted.
     */
    private SstMeta flushTable(Path file, List<Memtable> imms) throws IOException {
        SstWriter w = null;
        try {
            w = SstWriter.create(store.disk, file, store.config.sstOptions());
            if (imms.size() == 1) {
                imms.get(0).writeNewestTo(w);
            } else {
                writeNewest(imms, w);
            }
            SstMeta meta = w.finish();
            w = null;
            return meta;
        } catch (IOException | RuntimeException e) {
            if (w != null) {
                w.close();
            }
            discard(List.of(file), e); // created, or maybe half-created by a failed create
            throw e;
        }
    }

    /**
     * Writes the newest version of each key of several memtables (newest first) to {@code table}: a merge of their
     * cursors, each key's first entry kept (tombstones too: older tables may hold the key). Older versions are dropped,
     * as a single memtable's flush drops them: a reader that could want them holds a view with the memtables.
     */
    static void writeNewest(List<Memtable> imms, SstWriter table) throws IOException {
        List<InternalIterator> sources = new ArrayList<>(imms.size());
        for (Memtable m : imms) {
            sources.add(m.iterator());
        }
        LastKey previous = new LastKey();
        try (MergingIterator it = new MergingIterator(sources)) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                if (previous.matches(it)) {
                    continue; // an older version, shadowed
                }
                previous.remember(it);
                it.addTo(table);
            }
        }
    }

    /**
     * Between two output tables of a compaction: flushes the oldest immutable memtable if one waits (and L0 is below
     * {@code lsm.level0StopTrigger}), so that a long compaction does not leave writers stalled for room. The flush is
     * the whole flush protocol and only adds an L0 file, which the compaction neither reads nor removes: its edit is
     * applied to the version current when it ends.
     */
    private void flushWaitingMemtable() throws IOException {
        if (!background || stopping() || store.state.failure() != null || store.state.isClosed()) {
            return;
        }
        View v = store.view();
        if (!v.immutables().isEmpty() && v.version().files(0).size() < store.config.level0StopTrigger()) {
            flush(v.oldestImmutables(FLUSH_MEMTABLES));
            store.stats.flushesInCompaction.incrementAndGet();
        }
    }

    private record Output(long number, SstMeta meta) {
    }

    /**
     * Writes the newest version of each key of {@code it} to tables of about {@code targetBytes} (a compaction into
     * {@code outputLevel}, dropping tombstones where
     * {@link Compaction#isBottomFor}). Older versions are dropped: every reader that could want them holds a view
     * with the sources they are in. Each table is forced by {@link SstWriter#finish()}.
     */
    private List<Output> writeTable(InternalIterator it, int outputLevel, long targetBytes, Version base)
            throws IOException {
        List<Output> outputs = new ArrayList<>();
        SstWriter w = null;
        Path path = null;
        Path partial = null;
        long number = -1;
        LastKey previous = new LastKey(); // keys in place: compared there, copied once into the output's block
        try {
            for (; it.valid(); it.next()) {
                if (previous.matches(it)) {
                    continue; // an older version, shadowed
                }
                previous.remember(it);
                if (it.kind() == EntryKind.DELETE && base != null
                        && Compaction.isBottomFor(base, outputLevel, previous.copy())) {
                    store.stats.tombstonesDropped.incrementAndGet();
                    continue;
                }
                if (w == null) {
                    number = store.versions.newFileNumber();
                    path = LsmFormat.sstPath(store.dir, number);
                    partial = path;
                    w = SstWriter.create(store.disk, path, store.config.sstOptions());
                }
                it.addTo(w);
                if (w.estimatedBytes() >= targetBytes) {
                    outputs.add(new Output(number, w.finish()));
                    w = null;
                    partial = null;
                    flushWaitingMemtable();
                }
            }
            if (w != null) {
                outputs.add(new Output(number, w.finish()));
                w = null;
                partial = null;
            }
            return outputs;
        } catch (IOException | RuntimeException e) {
            // No manifest edit names any of them yet: the finished outputs and the partial one are garbage.
            List<Path> garbage = new ArrayList<>();
            for (Output o : outputs) {
                garbage.add(LsmFormat.sstPath(store.dir, o.number));
            }
            if (w != null) {
                w.close();
            }
            if (partial != null) {
                garbage.add(partial); // created, or maybe half-created by a failed create
            }
            discard(garbage, e);
            throw e;
        }
    }

    // ---- manifest ----------------------------------------------------------------------------------------------

    /**
     * Rewrites the manifest once it has grown past {@code lsm.manifestRewriteBytes}. A rewrite that failed and was
     * undone (the old generation still live) is retried after the next edit; the one that just completed stands.
     */
    private void maybeRewriteManifest() throws IOException {
        if (store.manifest.growth() < store.config.manifestRewriteBytes()) {
            return;
        }
        try {
            store.manifest.rewrite(store.versions.state());
        } catch (IOException | RuntimeException e) {
            if (!retryable(e)) {
                throw e;
            }
            LOG.warn("rewriting the manifest of {} failed; the current generation stays live, retried after the next"
                    + " edit: {}", store.dir, e.toString());
            return;
        }
        store.stats.manifestRewrites.incrementAndGet();
    }
}
