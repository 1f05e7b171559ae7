package io.durakv.lsm;

import java.util.Arrays;

/**
 * What the manifest records about a finished SSTable: its size, its user-key range, its sequence range and its number
 * of entries (versions and tombstones included). The arrays must not be modified.
 *
 * @param fileBytes        size of the table file
 * @param smallestKey      the smallest user key in the table
 * @param largestKey       the largest user key in the table
 * @param smallestSequence the lowest sequence number of any entry
 * @param largestSequence  the highest sequence number of any entry
 * @param entries          number of entries
 */
record SstMeta(long fileBytes, byte[] smallestKey, byte[] largestKey, long smallestSequence, long largestSequence,
               long entries) {

    @Override
    public boolean equals(Object o) {
        return o instanceof SstMeta m && fileBytes == m.fileBytes && Arrays.equals(smallestKey, m.smallestKey)
                && Arrays.equals(largestKey, m.largestKey) && smallestSequence == m.smallestSequence
                && largestSequence == m.largestSequence && entries == m.entries;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(fileBytes) * 31 + Arrays.hashCode(smallestKey) * 17 + Arrays.hashCode(largestKey)
                + Long.hashCode(largestSequence) + Long.hashCode(entries);
    }

    @Override
    public String toString() {
        return "SstMeta[fileBytes=" + fileBytes + ", keys " + smallestKey.length + "-byte.." + largestKey.length
                + "-byte, sequences " + smallestSequence + ".." + largestSequence + ", entries=" + entries + "]";
    }
}
