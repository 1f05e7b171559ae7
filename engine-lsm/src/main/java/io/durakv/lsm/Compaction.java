package io.durakv.lsm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One leveled compaction: input files of {@code level} and the overlapping files of {@code level + 1}, merged into
 * {@code level + 1}. {@link #pick} chooses the level with the highest score: L0 by file count over
 * {@code lsm.level0Trigger} (its files may overlap, so all of them are compacted together), L1..L5 by bytes over
 * {@code lsm.levelBaseBytes * 10^(level-1)} (one file at a time, round-robin through the key space). Immutable.
 *
 * @param level      the input level
 * @param inputs     files of {@code level}
 * @param nextInputs files of {@code level + 1} overlapping the inputs' key range
 */
record Compaction(int level, List<FileMeta> inputs, List<FileMeta> nextInputs) {

    int outputLevel() {
        return level + 1;
    }

    /**
     * @return whether the inputs can move down a level without rewriting: nothing in the next level overlaps them and
     *         they do not overlap each other (one file of L1 or deeper; any number of L0 files, as a sequential load
     *         makes them), so the next level stays a sorted run of disjoint files
     */
    boolean isTrivialMove() {
        return nextInputs.isEmpty() && (inputs.size() == 1 || disjoint(inputs));
    }

    /** @return whether no two of {@code files} overlap in key range */
    static boolean disjoint(List<FileMeta> files) {
        List<FileMeta> sorted = new ArrayList<>(files);
        sorted.sort(Version.BY_SMALLEST);
        for (int i = 1; i < sorted.size(); i++) {
            if (Arrays.compareUnsigned(sorted.get(i - 1).largest, sorted.get(i).smallest) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param pointers per level, the largest key of the last file compacted out of it (round-robin), or null
     * @return the most urgent compaction, or null when every level is within its limit
     */
    static Compaction pick(Version v, LsmConfig config, byte[][] pointers) {
        int best = -1;
        double bestScore = 1.0;
        for (int level = 0; level < LsmFormat.LEVELS - 1; level++) {
            double score = level == 0 ? (double) v.files(0).size() / config.level0Trigger()
                    : (double) v.levelBytes(level) / config.maxBytesForLevel(level);
            if (score >= bestScore) {
                bestScore = score;
                best = level;
            }
        }
        if (best < 0) {
            return null;
        }
        List<FileMeta> inputs;
        if (best == 0) {
            inputs = v.files(0);
        } else {
            List<FileMeta> files = v.files(best);
            FileMeta chosen = files.get(0);
            byte[] after = pointers[best];
            if (after != null) {
                for (FileMeta f : files) {
                    if (Arrays.compareUnsigned(f.smallest, after) > 0) {
                        chosen = f;
                        break;
                    }
                }
            }
            inputs = List.of(chosen);
        }
        byte[] lo = null;
        byte[] hi = null;
        for (FileMeta f : inputs) {
            lo = lo == null || Arrays.compareUnsigned(f.smallest, lo) < 0 ? f.smallest : lo;
            hi = hi == null || Arrays.compareUnsigned(f.largest, hi) > 0 ? f.largest : hi;
        }
        return new Compaction(best, List.copyOf(inputs), v.overlapping(best + 1, lo, hi));
    }

    /**
     * @return whether no level below the output level can hold {@code key}: only then may a tombstone of it be
     *         dropped, because no older version of the key remains anywhere beneath it
     */
    static boolean isBottomFor(Version v, int outputLevel, byte[] key) {
        for (int level = outputLevel + 1; level < LsmFormat.LEVELS; level++) {
            if (v.fileFor(level, key) != null) {
                return false;
            }
        }
        return true;
    }
}
