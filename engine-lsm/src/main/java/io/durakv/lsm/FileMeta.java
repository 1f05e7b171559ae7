package io.durakv.lsm;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A live SSTable as the manifest records it: its number, size, key range, sequence range and entry count. One object
 * per file, shared by every {@link Version} that lists it; {@link #refs} counts those versions, so that the file is
 * deleted only when no version (the current one, or one an open iterator holds) lists it any more.
 */
final class FileMeta {

    final long number;
    final long fileBytes;
    final byte[] smallest;
    final byte[] largest;
    final long smallestSequence;
    final long largestSequence;
    final long entries;

    /** Versions listing this file. Guarded by the {@link VersionSet}'s lock. */
    int refs;
    /** The file's path and the directory it was made for: made once, as a point read needs it per table probed. */
    private Located located;

    private record Located(Path dir, Path path) {
    }

    FileMeta(long number, long fileBytes, byte[] smallest, byte[] largest, long smallestSequence,
             long largestSequence, long entries) {
        this.number = number;
        this.fileBytes = fileBytes;
        this.smallest = smallest;
        this.largest = largest;
        this.smallestSequence = smallestSequence;
        this.largestSequence = largestSequence;
        this.entries = entries;
    }

    static FileMeta of(long number, SstMeta m) {
        return new FileMeta(number, m.fileBytes(), m.smallestKey(), m.largestKey(), m.smallestSequence(),
                m.largestSequence(), m.entries());
    }

    /** @return the table's path in the store directory {@code dir} (one store's files are always in one dir) */
    Path path(Path dir) {
        Located l = located; // a racy read sees null or a complete record (final fields)
        if (l == null || l.dir != dir) {
            l = new Located(dir, LsmFormat.sstPath(dir, number));
            located = l;
        }
        return l.path;
    }

    /** @return whether {@code key} lies within this file's key range */
    boolean contains(byte[] key) {
        return Arrays.compareUnsigned(key, smallest) >= 0 && Arrays.compareUnsigned(key, largest) <= 0;
    }

    /** @return whether this file's range overlaps [{@code lo}, {@code hi}] (null bounds are open) */
    boolean overlaps(byte[] lo, byte[] hi) {
        return (hi == null || Arrays.compareUnsigned(smallest, hi) <= 0)
                && (lo == null || Arrays.compareUnsigned(largest, lo) >= 0);
    }

    @Override
    public String toString() {
        return "#" + number + "(" + fileBytes + " bytes, " + entries + " entries, seq " + smallestSequence + ".."
                + largestSequence + ")";
    }
}
