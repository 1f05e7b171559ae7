package io.durakv.bitcask;

import java.util.Arrays;

/**
 * Live and dead bytes per data file, for the merge trigger (docs/formats/bitcask.md, "Merge"). A file is a log segment
 * (key: its first LSN, 1 or more) or a merge generation (key: minus the generation). Every operation adds its size to
 * its file's total; the size becomes dead when a later operation replaces or deletes the key, and a tombstone is dead
 * from the start (merge drops it). Sizes are those of the operations inside batch records, not counting framing.
 *
 * <p>Not thread-safe: guarded by the store's key-directory write lock.
 */
final class Space {

    // One slot per file with data: its key, total and dead bytes (parallel arrays, [0, count)). A store has a handful
    // of files (the merge generation and the segments since it), so a linear scan of keys beats a hash map of boxed
    // keys, which every overwrite of a random key paid (the replaced record's file is rarely the last one used).
    private long[] keys = new long[8];
    private long[] total = new long[8];
    private long[] dead = new long[8];
    private int count;
    private long activeSegment;
    /** The slot of the last call: consecutive operations almost always hit the same file. */
    private int last = -1;
    // The last answer of shouldMergeMemo, and whether the sealed files' figures may have changed since: a write to
    // the active segment leaves them as they are, so a bulk load of new keys no longer sums every file per put.
    private boolean sealedChanged = true;
    private double memoRatio = Double.NaN;
    private boolean memo;

    /** @return the key of merge generation {@code generation} */
    static long mergeFile(long generation) {
        return -generation;
    }

    void added(long file, int bytes) {
        int i = slot(file); // first: it may replace the arrays
        total[i] += bytes;
        if (file > activeSegment) {
            activeSegment = file;
            sealedChanged = true;
        } else if (file != activeSegment) {
            sealedChanged = true;
        }
    }

    void dead(long file, int bytes) {
        int i = slot(file); // first: it may replace the arrays
        dead[i] += bytes;
        if (file != activeSegment) {
            sealedChanged = true;
        }
    }

    private int slot(long file) {
        int l = last;
        if (l >= 0 && keys[l] == file) {
            return l;
        }
        for (int i = 0; i < count; i++) {
            if (keys[i] == file) {
                last = i;
                return i;
            }
        }
        if (count == keys.length) {
            keys = Arrays.copyOf(keys, count * 2);
            total = Arrays.copyOf(total, count * 2);
            dead = Arrays.copyOf(dead, count * 2);
        }
        keys[count] = file;
        total[count] = 0;
        dead[count] = 0;
        last = count;
        return count++;
    }

    /** Forgets a file that a merge replaced. */
    void remove(long file) {
        sealedChanged = true;
        for (int i = 0; i < count; i++) {
            if (keys[i] == file) {
                count--;
                keys[i] = keys[count];
                total[i] = total[count];
                dead[i] = dead[count];
                break;
            }
        }
        last = -1;
    }

    /** @return the dead bytes of the sealed files: every file but the active segment */
    long sealedDead() {
        long d = 0;
        for (int i = 0; i < count; i++) {
            if (keys[i] != activeSegment) {
                d += dead[i];
            }
        }
        return d;
    }

    /**
     * As {@link #shouldMerge}, answered from memory while nothing but the active segment changed since the last call
     * with the same ratio. Only for the holder of the key directory's write lock (it changes this object).
     */
    boolean shouldMergeMemo(double ratio) {
        if (sealedChanged || ratio != memoRatio) {
            memo = shouldMerge(ratio);
            memoRatio = ratio;
            sealedChanged = false;
        }
        return memo;
    }

    /** @return whether the dead fraction of the sealed files' bytes reached {@code ratio} (and there is some) */
    boolean shouldMerge(double ratio) {
        long t = 0;
        long d = 0;
        for (int i = 0; i < count; i++) {
            if (keys[i] != activeSegment) {
                t += total[i];
                d += dead[i];
            }
        }
        return d > 0 && d >= ratio * t;
    }
}
