package io.durakv.bitcask;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The first LSN of every log segment holding a record the key directory may point at, ascending. Every cold get and
 * every applied write asks which segment holds an LSN ({@link #floor}); segments are added once per rotation and
 * removed once per merge, so the set is a sorted {@code long[]} replaced whole on each change (copy on write): a
 * lookup is a binary search of one array read through one volatile field, with no allocation and no boxing.
 *
 * <p>Thread-safe: changes are serialized by this object's monitor; lookups take no lock.
 */
final class SegmentStarts {

    private volatile long[] starts = new long[0];

    /** Adds {@code segment} (its first LSN) if it is not present yet. */
    synchronized void add(long segment) {
        long[] s = starts;
        int i = Arrays.binarySearch(s, segment);
        if (i >= 0) {
            return;
        }
        int at = -i - 1;
        long[] next = new long[s.length + 1];
        System.arraycopy(s, 0, next, 0, at);
        next[at] = segment;
        System.arraycopy(s, at, next, at + 1, s.length - at);
        starts = next;
    }

    /** @return the greatest segment start at or below {@code lsn}, or -1 if there is none */
    long floor(long lsn) {
        long[] s = starts;
        int i = Arrays.binarySearch(s, lsn);
        if (i >= 0) {
            return s[i];
        }
        int below = -i - 2;
        return below < 0 ? -1 : s[below];
    }

    /** @return the segment starts below {@code before}, ascending */
    List<Long> below(long before) {
        List<Long> out = new ArrayList<>();
        for (long segment : starts) {
            if (segment < before) {
                out.add(segment);
            }
        }
        return out;
    }

    /** Removes every segment start below {@code before}. */
    synchronized void removeBelow(long before) {
        long[] s = starts;
        int keep = 0;
        while (keep < s.length && s[keep] < before) {
            keep++;
        }
        if (keep > 0) {
            starts = Arrays.copyOfRange(s, keep, s.length);
        }
    }

    /** @return the number of segments */
    int size() {
        return starts.length;
    }
}
