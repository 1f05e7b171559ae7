package io.durakv.bitcask;

import io.durakv.api.StoreException;
import io.durakv.api.WriteBatch;
import io.durakv.wal.BatchRecord;
import io.durakv.wal.FramedFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Merge and hint-file writing (docs/formats/bitcask.md, "Merge"). A merge always takes every sealed file: the current
 * merge generation and every log segment before the active one. It copies the live values they hold into the next
 * generation's data file, so tombstones never need to be copied: no older file that could hold a deleted key survives
 * the merge. The protocol, one step per block of {@link #merge()}:
 * <ol>
 *   <li>pick the boundary M, the first LSN of the segment holding the last applied record: every record below M is
 *       in a sealed file and applied;</li>
 *   <li>walk the key directory in chunks; copy each live entry with LSN below M into the new data file (frame number =
 *       the record's LSN), and collect its hint entry; force the data file, write and force the hint file, force the
 *       directory;</li>
 *   <li>force the log, so that every overwrite and delete the walk observed is durable;</li>
 *   <li>write the manifest naming the new generation and M (temp file, force, rename, directory force): the
 *       switch;</li>
 *   <li>point the key directory at the new file for each copied key that was not overwritten meanwhile (same
 *       LSN);</li>
 *   <li>once no reader of the old locations remains, delete the log segments below M (directory forced after each),
 *       their hint files and the old generation's files, and force the directory; while readers remain, this step
 *       waits on the background thread, and is left to the next merge (or recovery) on a writing thread.</li>
 * </ol>
 * A crash before step 4 is durable leaves the old generation current (recovery deletes the new files); after it,
 * recovery finishes step 6. Writers wait only for the short key-directory write lock of each step-5 entry, readers
 * at most for that one entry's re-pointing; neither waits for the merge's I/O.
 *
 * <p>Runs on the {@link Background} runner, one task at a time.
 */
final class Merger {

    private final BitcaskStore store;
    // Replaced files not yet deleted (step 6), kept on the runner thread: the boundary, generations, switch epoch.
    private long pendingBefore;
    private final List<Long> pendingGenerations = new ArrayList<>();
    private long pendingEpoch;

    Merger(BitcaskStore store) {
        this.store = store;
    }

    /** Writes the hint file of sealed segment {@code segment}, unless a merge already replaced the segment. */
    void writeSegmentHint(long segment, HintFile.Entries entries) throws IOException {
        if (segment >= store.mergedBefore && !store.stopping()) {
            writeHint(BitcaskFormat.segmentHintName(segment), BitcaskFormat.KIND_SEGMENT_HINT, segment, 0, entries);
        }
    }

    /** Rewrites the hint file of merge generation {@code generation} (its old one was missing or damaged). */
    void rewriteHint(long generation, HintFile.Entries entries) throws IOException {
        if (generation == store.generation && !store.stopping()) {
            writeHint(BitcaskFormat.mergeHintName(generation), BitcaskFormat.KIND_MERGE_HINT, generation, 0, entries);
        }
    }

    /**
     * Replaces hint file {@code name}: delete, write and force, force the directory. If a write fails (not a force),
     * the partial file is deleted where possible; a partial hint is invalid without its end marker and ignored anyway.
     */
    void writeHint(String name, byte kind, long id, long coversBefore, HintFile.Entries entries) throws IOException {
        Path path = store.dir.resolve(name);
        store.disk.deleteIfExists(path);
        try {
            HintFile.write(store.disk, path, kind, id, coversBefore, entries);
        } catch (IOException | RuntimeException e) {
            if (!ForceTaggingDisk.isForceFailure(e)) {
                removePartial(e, path);
            }
            throw e;
        }
        // Forces the hint's name. Nothing depends on it: a lost or partial hint is ignored and its file read instead.
        store.disk.forceDirectory(store.dir);
    }

    /** Runs the merge protocol if the sealed files still hold dead bytes. */
    void merge() throws IOException {
        deleteReplaced(false);
        // Step 1: the boundary.
        long mergedBefore;
        store.applyLock.lock();
        try {
            long m = store.segments.floor(store.appliedLsn + 1);
            if (m < 0 || store.stopping()) {
                return;
            }
            mergedBefore = m;
        } finally {
            store.applyLock.unlock();
        }
        store.keysLock.readLock().lock();
        try {
            if (store.space.sealedDead() == 0 && mergedBefore == store.mergedBefore) {
                return;
            }
        } finally {
            store.keysLock.readLock().unlock();
        }
        giveWayToReads();
        long oldGeneration = store.generation;
        long generation = oldGeneration + 1;
        if (generation > BitcaskFormat.MAX_GENERATION) {
            throw new StoreException("merge generations exhausted in " + store.dir);
        }
        Path data = store.dir.resolve(BitcaskFormat.mergeDataName(generation));
        Path hint = store.dir.resolve(BitcaskFormat.mergeHintName(generation));
        // Leftovers of a merge this session stopped before its manifest; they were never current.
        store.disk.deleteIfExists(data);
        store.disk.deleteIfExists(hint);

        HintFile.Entries hints = new HintFile.Entries();
        try {
            // Step 2: copy the live values, write the hints.
            try (FramedFile.Writer out = FramedFile.create(store.disk, data)) {
                out.append(1, BitcaskFormat.identity(BitcaskFormat.KIND_MERGE_DATA, generation, mergedBefore));
                for (int from = 0; copyChunk(from, mergedBefore, out, hints, generation);
                     from += DirectoryWalk.CHUNK) {
                    if (store.stopping()) {
                        throw new Background.Aborted();
                    }
                    giveWayToReads();
                }
                out.finish(); // forces the merged data: the manifest below may name it only once it is durable
            }
            HintFile.write(store.disk, hint, BitcaskFormat.KIND_MERGE_HINT, generation, 0, hints); // forced inside
            // Forces both new names before the manifest that makes them current.
            store.disk.forceDirectory(store.dir);

            // Step 3: every overwrite or delete the walk saw (all at or after M) is durable before the switch, so
            // that a crash cannot keep the merge's view of a key while losing the record that made it so.
            store.wal.sync();

            // Step 4: the switch.
            new Manifest(generation, mergedBefore).write(store.disk, store.dir);
        } catch (IOException | RuntimeException e) {
            // Before the switch nothing names the new files: a failed write, create or rename leaves them unused, so
            // they go (and the merge is retried). A failed force is left as it is: the store fails, and recovery
            // deletes whatever the durable manifest does not name.
            if (e instanceof Background.Deferred) {
                removePartial(e, data, hint); // given way in step 2, before anything names them
                throw e;
            }
            if (!ForceTaggingDisk.isForceFailure(e) && !store.wal.isFailed()) {
                if (namesGeneration(generation, e)) {
                    // The rename took effect although it reported a failure: the new files are current on disk.
                    StoreException f = new StoreException("the merge manifest of generation " + generation + " in "
                            + store.dir + " is in place although a call failed; the store must be reopened");
                    f.addSuppressed(e);
                    throw f;
                }
                removePartial(e, data, hint, store.dir.resolve(BitcaskFormat.MANIFEST_TMP));
            }
            throw e;
        }

        // Step 5: point the key directory at the new file.
        long newFile = Space.mergeFile(generation);
        hints.forEach((delete, key, lsn, offset, size) -> {
            store.lockKeysForWrite();
            try {
                int e = store.keys.find(key);
                store.space.added(newFile, size);
                if (e >= 0 && store.keys.lsn(e) == lsn) {
                    store.relocations++; // before the new location is visible (see BitcaskStore.get)
                    store.keys.update(e, lsn, BitcaskFormat.location(generation, offset), size);
                } else {
                    store.space.dead(newFile, size); // overwritten or deleted while the merge ran
                }
            } finally {
                store.unlockKeysForWrite();
            }
        });
        List<Long> replacedSegments = store.segments.below(mergedBefore);
        store.lockKeysForWrite();
        try {
            store.generation = generation;
            store.mergedBefore = mergedBefore;
            store.space.remove(Space.mergeFile(oldGeneration));
            for (long s : replacedSegments) {
                store.space.remove(s);
            }
        } finally {
            store.unlockKeysForWrite();
        }

        // Step 6: delete the replaced files once no reader can still be reading them.
        if (oldGeneration > 0) {
            pendingGenerations.add(oldGeneration);
        }
        pendingBefore = mergedBefore;
        pendingEpoch = store.readers.advance();
        deleteReplaced(store.config.backgroundMerge());
    }

    /**
     * On the background thread, between chunks of step 2: if gets are running and the dead bytes are not urgent
     * ({@link BitcaskStore#mergeShouldYield}), stops this merge before its switch (the caller removes its partial
     * files) so that the background runs it again later, from the start. A merge on any other thread (the writing
     * thread with {@code bitcask.backgroundMerge=0}, {@link BitcaskStore#mergeNow}) never gives way. Also called
     * before step 2 starts, so that a merge put off again and again creates no files.
     */
    private void giveWayToReads() {
        if (store.background.isBackgroundThread() && store.mergeShouldYield()) {
            throw new Background.Deferred();
        }
    }

    /**
     * Step 6 of the merges switched so far: truncates the log before the last boundary and deletes the replaced hint
     * and merge files, once no reader registered before the last switch remains. On the background thread it waits
     * for such readers; on a writing thread it only checks (that thread may hold an open scan itself), leaving the
     * deletion to the next merge, or to recovery, which deletes whatever the manifest has replaced.
     */
    private void deleteReplaced(boolean wait) throws IOException {
        if (pendingEpoch == 0) {
            return;
        }
        boolean quiet = wait ? store.readers.awaitOlderThan(pendingEpoch, store::stopping)
                : store.readers.noneOlderThan(pendingEpoch);
        if (!quiet || store.stopping()) {
            return;
        }
        List<Long> replacedSegments = store.segments.below(pendingBefore);
        // One segment per call (each forces the directory after its segment): the log's reads wait for a truncation
        // to finish, so they wait for one deletion and one directory force at a time, not for all of them.
        for (int i = 1; i < replacedSegments.size(); i++) {
            store.wal.truncateBefore(replacedSegments.get(i));
        }
        store.wal.truncateBefore(pendingBefore);
        store.segments.removeBelow(pendingBefore);
        for (long s : replacedSegments) {
            store.disk.deleteIfExists(store.dir.resolve(BitcaskFormat.segmentHintName(s)));
        }
        for (long g : pendingGenerations) {
            store.merged.release(g); // no reader of it remains (above)
            store.disk.deleteIfExists(store.dir.resolve(BitcaskFormat.mergeDataName(g)));
            store.disk.deleteIfExists(store.dir.resolve(BitcaskFormat.mergeHintName(g)));
        }
        pendingGenerations.clear();
        pendingEpoch = 0;
        // Forces the deletions; recovery would redo them, so this only keeps the directory tidy across a crash.
        store.disk.forceDirectory(store.dir);
    }

    /** @return whether the manifest on disk names {@code generation} (true too if that cannot be read: unproven) */
    private boolean namesGeneration(long generation, Throwable cause) {
        try {
            return Manifest.read(store.disk, store.dir).generation() == generation;
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
            return true;
        }
    }

    /** Deletes what a failed step had written, where it can; a file that stays is never named and goes later. */
    private void removePartial(Throwable cause, Path... files) {
        for (Path f : files) {
            try {
                store.disk.deleteIfExists(f);
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
    }

    /**
     * Copies the live entries with LSN below {@code mergedBefore} among key-directory entries
     * {@code [from, from + CHUNK)}.
     *
     * @return false once {@code from} is past the directory's last entry
     */
    private boolean copyChunk(int from, long mergedBefore, FramedFile.Writer out, HintFile.Entries hints,
                              long generation) throws IOException {
        List<DirectoryWalk.Entry> chunk = DirectoryWalk.chunk(store, from, mergedBefore);
        if (chunk == null) {
            return false;
        }
        long epoch = store.readers.enter();
        try {
            RecordReader.Memo records = new RecordReader.Memo(); // a batch's keys come one after another
            for (DirectoryWalk.Entry e : chunk) {
                WriteBatch.Op op = new WriteBatch.Op(e.key(), records.value(store, e.key(), e.lsn(), e.location()));
                long offset = out.append(e.lsn(), BatchRecord.encode(List.of(op)));
                if (offset > BitcaskFormat.MAX_OFFSET) {
                    throw new StoreException("merged data file of generation " + generation + " passed "
                            + BitcaskFormat.MAX_OFFSET + " bytes");
                }
                hints.add(false, e.key(), e.lsn(), offset, BitcaskFormat.opSize(op));
            }
        } finally {
            store.readers.exit(epoch);
        }
        return true;
    }
}
