package io.durakv.bitcask;

import io.durakv.api.CorruptionException;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.Disk;
import io.durakv.wal.BatchRecord;
import io.durakv.wal.FramedFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Opening a store as a crash left it (docs/formats/bitcask.md, "Recovery"): finish or undo an interrupted merge from
 * the manifest, then rebuild the key directory from the current merge generation (its hint file, or its data file if
 * the hint is missing or damaged), the hint files of the sealed log segments in order, and a replay of the log from
 * the first segment without a valid hint. Every step is safe to interrupt and repeat.
 *
 * <p>Not thread-safe: runs once, before the store is shared.
 */
final class Recovery {

    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private final BitcaskStore store;
    private final Manifest manifest;

    Recovery(BitcaskStore store, Manifest manifest) {
        this.store = store;
        this.manifest = manifest;
    }

    /**
     * Reads the manifest and deletes what an interrupted merge left: the temporary manifest and every merge file of
     * another generation (a newer one never became current; an older one was replaced), then forces the directory.
     */
    static Manifest prepare(Disk disk, Path dir) throws IOException {
        Manifest manifest = Manifest.read(disk, dir);
        boolean changed = disk.deleteIfExists(dir.resolve(BitcaskFormat.MANIFEST_TMP));
        for (String name : disk.list(dir)) {
            long generation = BitcaskFormat.parseMergeName(name);
            if (generation >= 0 && generation != manifest.generation()) {
                disk.delete(dir.resolve(name));
                changed = true;
            }
        }
        if (changed) {
            // Forces the clean-up: files of a generation that is not current must not reappear after a crash.
            disk.forceDirectory(dir);
        }
        return manifest;
    }

    void run() throws IOException {
        long mergedBefore = manifest.mergedBefore();
        store.generation = manifest.generation();
        store.mergedBefore = mergedBefore;
        if (manifest.generation() > 0) {
            loadMergeGeneration(manifest.generation());
        }
        long[] starts = store.wal.segmentStarts();
        Path dataDir = store.dir.resolve(BitcaskFormat.DATA_DIR);
        if (starts[0] > mergedBefore || store.wal.lastLsn() + 1 < mergedBefore) {
            throw new CorruptionException(dataDir, 0, "the log holds LSNs " + starts[0] + " to "
                    + store.wal.lastLsn() + " but the merge manifest covers only the records before " + mergedBefore);
        }
        // Finishes an interrupted merge's last step: the segments it replaced are durable in its generation.
        store.wal.truncateBefore(mergedBefore);
        starts = store.wal.segmentStarts();
        deleteStaleSegmentHints(starts);
        long replayFrom = store.wal.lastLsn() + 1;
        int hinted = 0;
        for (long segment : starts) {
            HintFile.Content hints = HintFile.read(store.disk, store.dir.resolve(
                    BitcaskFormat.segmentHintName(segment)), BitcaskFormat.KIND_SEGMENT_HINT, segment);
            long covers = hints == null ? 0 : hints.coversBefore();
            boolean active = segment == starts[starts.length - 1];
            if (hints != null && covers > segment && covers > store.wal.lastLsn() + 1) {
                throw lostForcedRecords(dataDir, segment, hints, covers);
            }
            if (hints == null || (covers == 0 && active)
                    || (covers != 0 && covers <= segment)) {
                if (hints != null) {
                    LOG.warn("ignoring hint file of segment {} in {}: it claims LSNs before {}, not after the segment",
                            segment, store.dir, covers);
                }
                replayFrom = segment;
                break;
            }
            store.segments.add(segment);
            store.lockKeysForWrite();
            try {
                store.keys.reserve(store.keys.size() + hints.count());
                hints.forEach((delete, key, lsn, offset, size) -> store.applyOp(delete, key, lsn,
                        BitcaskFormat.location(0, offset), size, segment));
            } finally {
                store.unlockKeysForWrite();
            }
            hinted++;
            if (covers != 0) { // written at a clean close while this segment was active: replay what follows
                store.resume(segment, hints);
                replayFrom = covers;
                break;
            }
        }
        long[] replayed = new long[1];
        store.wal.replayWithPositions(Math.max(replayFrom, mergedBefore), (position, record) -> {
            List<WriteBatch.Op> ops;
            try {
                ops = BatchRecord.decode(record);
            } catch (IllegalArgumentException e) {
                throw new CorruptionException(dataDir.resolve("segment " + position.segment()), position.offset(),
                        "bad batch record LSN " + position.lsn() + ": " + e.getMessage());
            }
            store.apply(position, ops);
            replayed[0]++;
        });
        store.appliedLsn = store.wal.lastLsn();
        store.startApplying();
        LOG.debug("opened {}: merge generation {} (LSNs before {}), {} segments with hints, {} records replayed",
                store.dir, manifest.generation(), mergedBefore, hinted, replayed[0]);
    }

    /**
     * A valid partial hint is written at a clean close after the log's final force: every LSN before its covers-before
     * was forced. A log ending below that lost forced records (damage to the data file that recovery of the log alone
     * takes for an unforced tail, for instance over a recycled segment's last records and its clean-close marker).
     *
     * @return the exception naming the data file and the offset of the first record the hint lists but the log lacks
     */
    private CorruptionException lostForcedRecords(Path dataDir, long segment, HintFile.Content hints, long covers) {
        long last = store.wal.lastLsn();
        long[] first = {Long.MAX_VALUE, -1};
        hints.forEach((delete, key, lsn, offset, size) -> {
            if (lsn > last && lsn < first[0]) {
                first[0] = lsn;
                first[1] = offset;
            }
        });
        return new CorruptionException(dataDir.resolve(BitcaskFormat.segmentDataName(segment)), Math.max(0, first[1]),
                "the log ends at LSN " + last + " but the hint file written at the clean close ("
                        + BitcaskFormat.segmentHintName(segment) + ") proves the records before LSN " + covers
                        + " were forced; " + (first[0] == Long.MAX_VALUE ? "they are missing"
                        : "LSN " + first[0] + " at this offset is missing"));
    }

    /** Loads the merge generation's entries from its hint file, or from its data file (rewriting the hint). */
    private void loadMergeGeneration(long generation) throws IOException {
        long file = Space.mergeFile(generation);
        HintFile.Content hints = HintFile.read(store.disk, store.dir.resolve(BitcaskFormat.mergeHintName(generation)),
                BitcaskFormat.KIND_MERGE_HINT, generation);
        store.lockKeysForWrite();
        try {
            if (hints != null) {
                store.keys.reserve(hints.count());
                hints.forEach((delete, key, lsn, offset, size) -> store.applyOp(delete, key, lsn,
                        BitcaskFormat.location(generation, offset), size, file));
                return;
            }
            Path data = store.dir.resolve(BitcaskFormat.mergeDataName(generation));
            HintFile.Entries rebuilt = new HintFile.Entries();
            boolean[] first = {true};
            try {
                FramedFile.scan(store.disk, data, (seq, offset, payload) -> {
                    if (first[0]) {
                        first[0] = false;
                        BitcaskFormat.checkIdentity(payload, data, offset, BitcaskFormat.KIND_MERGE_DATA, generation);
                        return;
                    }
                    List<WriteBatch.Op> ops;
                    try {
                        ops = BatchRecord.decode(payload);
                    } catch (IllegalArgumentException e) {
                        throw new CorruptionException(data, offset, "bad merged record: " + e.getMessage());
                    }
                    if (ops.size() != 1 || ops.get(0).isDelete() || seq >= manifest.mergedBefore()) {
                        throw new CorruptionException(data, offset, "a merged record must be one put before LSN "
                                + manifest.mergedBefore());
                    }
                    WriteBatch.Op op = ops.get(0);
                    int size = BitcaskFormat.opSize(op);
                    store.applyOp(false, op.key(), seq, BitcaskFormat.location(generation, offset), size, file);
                    rebuilt.add(false, op.key(), seq, offset, size);
                });
            } catch (NoSuchFileException e) {
                throw new CorruptionException(data, 0, "the merge manifest names this file but it is missing");
            }
            store.background.submit(() -> store.merger().rewriteHint(generation, rebuilt));
        } finally {
            store.unlockKeysForWrite();
        }
    }

    /** Deletes hint files of segments that are not in the log (replaced by a merge, or never kept). */
    private void deleteStaleSegmentHints(long[] starts) throws IOException {
        Set<Long> kept = new HashSet<>();
        for (long s : starts) {
            kept.add(s);
        }
        boolean changed = false;
        for (String name : store.disk.list(store.dir)) {
            long segment = BitcaskFormat.parseSegmentHintName(name);
            if (segment >= 0 && !kept.contains(segment)) {
                store.disk.delete(store.dir.resolve(name));
                changed = true;
            }
        }
        if (changed) {
            // Forces the deletions, so that no hint of a replaced segment can reappear.
            store.disk.forceDirectory(store.dir);
        }
    }
}
