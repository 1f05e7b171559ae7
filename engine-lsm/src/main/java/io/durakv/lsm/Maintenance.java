package io.durakv.lsm;

import io.durakv.api.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 * <p>Thread-safety: all work runs on one thread at a time (the background thread, or a writer holding the store's
 * writer lock in inline mode); {@link #due} and {@link #stop} may be called from any thread.
 */
final class Maintenance {

    private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);

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

    Maintenance(LsmStore store, boolean background) {
        this.store = store;
        this.background = background;
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
                while (!pending && !stopping) {
                    wake.awaitUninterruptibly();
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

    /** Runs flushes and compactions until none is due. @return false if the store failed or is closing */
    private boolean runDue() {
        try {
            while (!stopping() && store.state.failure() == null && !store.state.isClosed() && step()) {
                // one flush or compaction per step, so that stop() waits for at most one
            }
            return store.state.failure() == null;
        } catch (IOException | RuntimeException | Error e) {
            StoreException f = store.state.fail("background flush or compaction", e);
            if (!background) {
                if (e instanceof Error err) {
                    throw err;
                }
                throw f;
            }
            return false;
        }
    }

    /** Runs the most urgent piece of work. @return whether there was any */
    private boolean step() throws IOException {
        View v = store.view();
        Memtable imm = v.oldestImmutable();
        if (imm != null && v.version().files(0).size() < store.config.level0StopTrigger()) {
            flush(imm);
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
        Memtable imm;
        while ((imm = store.view().oldestImmutable()) != null) {
            Compaction c = store.versions.current().files(0).size() >= store.config.level0StopTrigger()
                    ? Compaction.pick(store.versions.current(), store.config, pointers) : null;
            if (c != null) {
                compact(c);
            } else {
                flush(imm);
            }
        }
    }

    // ---- flush -------------------------------------------------------------------------------------------------

    /**
     * The flush protocol, exactly in this order: write the SSTable, force it, force the directory, append the
     * version edit, force the manifest, and only then truncate the WAL below the flushed LSN.
     */
    private void flush(Memtable imm) throws IOException {
        long number = store.versions.newFileNumber();
        Path file = LsmFormat.sstPath(store.dir, number);
        long lastLsn = imm.lastSequence();
        // Every record the table covers is forced in the log first: recovery must never find a log that ends below
        // the covered LSN (NONE and BATCH modes may not have forced them yet).
        store.wal.sync();
        SstMeta meta;
        try (InternalIterator it = imm.iterator()) {
            it.seekToFirst();
            meta = writeTable(file, it, -1, Long.MAX_VALUE).get(0).meta; // finish() forced the table's bytes
        }
        store.disk.forceDirectory(store.dir); // the table's name durable before the manifest names it
        VersionEdit edit = new VersionEdit().add(0, FileMeta.of(number, meta)).coveredLsn(lastLsn)
                .nextFile(store.versions.nextFile());
        store.manifest.append(edit); // forced (SYNC manifest): the table is live and covers the log up to lastLsn
        store.install(store.versions.current().apply(edit), edit, imm);
        store.stats.flushes.incrementAndGet();
        roomAvailable();
        long firstBefore = store.wal.firstLsn();
        store.wal.truncateBefore(lastLsn + 1); // only now: the records are durable in a table a durable edit names
        if (store.wal.firstLsn() > firstBefore) {
            store.stats.walSegmentsTruncated.incrementAndGet();
        }
        LOG.debug("flushed {} entries up to LSN {} to {} ({} bytes)", meta.entries(), lastLsn, file,
                meta.fileBytes());
        maybeRewriteManifest();
    }

    private void roomAvailable() {
        store.writeLock.lock();
        try {
            store.room.signalAll();
        } finally {
            store.writeLock.unlock();
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
        if (trivial) {
            edit.add(out, c.inputs().get(0)); // same file, one level down: nothing to write
        } else {
            List<InternalIterator> sources = new ArrayList<>();
            List<Output> outputs;
            try {
                // L0 inputs overlap: one iterator each. Deeper levels are sorted runs, read one file at a time, so
                // a compaction pins at most (L0 files + 2) tables.
                if (c.level() == 0) {
                    for (FileMeta f : c.inputs()) {
                        sources.add(TableIterator.open(store.tableCache, store.dir, f));
                    }
                } else {
                    sources.add(new TableIterator.Level(store.tableCache, store.dir, c.inputs()));
                }
                sources.add(new TableIterator.Level(store.tableCache, store.dir, c.nextInputs()));
                try (MergingIterator it = new MergingIterator(sources)) {
                    sources = List.of();
                    it.seekToFirst();
                    outputs = writeTable(null, it, out, store.config.targetFileBytes(), base);
                }
            } finally {
                sources.forEach(InternalIterator::close);
            }
            if (!outputs.isEmpty()) {
                store.disk.forceDirectory(store.dir); // the outputs' names durable before the manifest names them
            }
            for (Output o : outputs) {
                edit.add(out, FileMeta.of(o.number, o.meta));
            }
        }
        edit.nextFile(store.versions.nextFile());
        store.manifest.append(edit); // forced: the outputs are live, the inputs obsolete (deleted when unreferenced)
        store.install(base.apply(edit), edit, null);
        FileMeta last = c.inputs().get(c.inputs().size() - 1);
        pointers[c.level()] = last.largest;
        (trivial ? store.stats.trivialMoves : store.stats.compactions).incrementAndGet();
        LOG.debug("compacted L{} {} + L{} {} {}", c.level(), c.inputs(), out, c.nextInputs(),
                trivial ? "(moved)" : "");
        maybeRewriteManifest();
    }

    private record Output(long number, SstMeta meta) {
    }

    private List<Output> writeTable(Path flushFile, InternalIterator it, int outputLevel, long targetBytes)
            throws IOException {
        return writeTable(flushFile, it, outputLevel, targetBytes, null);
    }

    /**
     * Writes the newest version of each key of {@code it} to one table ({@code flushFile}, a flush) or to tables of
     * about {@code targetBytes} (a compaction into {@code outputLevel}, dropping tombstones where
     * {@link Compaction#isBottomFor}). Older versions are dropped: every reader that could want them holds a view
     * with the sources they are in. Each table is forced by {@link SstWriter#finish()}.
     */
    private List<Output> writeTable(Path flushFile, InternalIterator it, int outputLevel, long targetBytes,
                                    Version base) throws IOException {
        List<Output> outputs = new ArrayList<>();
        SstWriter w = null;
        Path path = null;
        long number = -1;
        byte[] previous = null;
        try {
            for (; it.valid(); it.next()) {
                byte[] key = it.key();
                if (previous != null && Arrays.equals(previous, key)) {
                    continue; // an older version, shadowed
                }
                previous = key.clone();
                if (it.kind() == EntryKind.DELETE && base != null && Compaction.isBottomFor(base, outputLevel, key)) {
                    store.stats.tombstonesDropped.incrementAndGet();
                    continue;
                }
                if (w == null) {
                    if (flushFile != null) {
                        path = flushFile;
                        number = LsmFormat.sstNumber(flushFile.getFileName().toString());
                    } else {
                        number = store.versions.newFileNumber();
                        path = LsmFormat.sstPath(store.dir, number);
                    }
                    w = SstWriter.create(store.disk, path, store.config.sstOptions());
                }
                w.add(key, it.sequence(), it.kind(), it.value());
                if (flushFile == null && w.estimatedBytes() >= targetBytes) {
                    outputs.add(new Output(number, w.finish()));
                    w = null;
                }
            }
            if (w != null) {
                outputs.add(new Output(number, w.finish()));
                w = null;
            }
            return outputs;
        } catch (IOException | RuntimeException e) {
            if (w != null) {
                w.close();
                try {
                    store.disk.deleteIfExists(path);
                } catch (IOException | RuntimeException d) {
                    e.addSuppressed(d);
                }
            }
            throw e;
        }
    }

    // ---- manifest ----------------------------------------------------------------------------------------------

    private void maybeRewriteManifest() throws IOException {
        if (store.manifest.growth() >= store.config.manifestRewriteBytes()) {
            store.manifest.rewrite(store.versions.state());
            store.stats.manifestRewrites.incrementAndGet();
        }
    }
}
