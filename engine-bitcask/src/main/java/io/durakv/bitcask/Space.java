package io.durakv.bitcask;

import java.util.HashMap;
import java.util.Map;

/**
 * Live and dead bytes per data file, for the merge trigger (docs/formats/bitcask.md, "Merge"). A file is a log segment
 * (key: its first LSN, 1 or more) or a merge generation (key: minus the generation). Every operation adds its size to
 * its file's total; the size becomes dead when a later operation replaces or deletes the key, and a tombstone is dead
 * from the start (merge drops it). Sizes are those of the operations inside batch records, not counting framing.
 *
 * <p>Not thread-safe: guarded by the store's key-directory write lock.
 */
final class Space {

    private final Map<Long, long[]> files = new HashMap<>();
    private long activeSegment;
    /** The file of the last call and its counters: consecutive operations almost always hit the same file. */
    private long lastFile = Long.MIN_VALUE;
    private long[] lastCounters;

    /** @return the key of merge generation {@code generation} */
    static long mergeFile(long generation) {
        return -generation;
    }

    void added(long file, int bytes) {
        counters(file)[0] += bytes;
        if (file > activeSegment) {
            activeSegment = file;
        }
    }

    void dead(long file, int bytes) {
        counters(file)[1] += bytes;
    }

    private long[] counters(long file) {
        if (file != lastFile) {
            lastCounters = files.computeIfAbsent(file, f -> new long[2]);
            lastFile = file;
        }
        return lastCounters;
    }

    /** Forgets a file that a merge replaced. */
    void remove(long file) {
        files.remove(file);
        lastFile = Long.MIN_VALUE;
    }

    /** @return the dead bytes of the sealed files: every file but the active segment */
    long sealedDead() {
        long dead = 0;
        for (Map.Entry<Long, long[]> e : files.entrySet()) {
            if (e.getKey() != activeSegment) {
                dead += e.getValue()[1];
            }
        }
        return dead;
    }

    /** @return whether the dead fraction of the sealed files' bytes reached {@code ratio} (and there is some) */
    boolean shouldMerge(double ratio) {
        long total = 0;
        long dead = 0;
        for (Map.Entry<Long, long[]> e : files.entrySet()) {
            if (e.getKey() != activeSegment) {
                total += e.getValue()[0];
                dead += e.getValue()[1];
            }
        }
        return dead > 0 && dead >= ratio * total;
    }
}
