package io.durakv.lsm;

import java.util.Arrays;

/** The kinds of internal entry, as stored in memtables and SSTables, and the internal-key order. */
final class EntryKind {

    /** A tombstone: the key was deleted at this sequence number. */
    static final byte DELETE = 0;
    /** A value: the key was set at this sequence number. */
    static final byte PUT = 1;

    private EntryKind() {
    }

    /**
     * Internal-key order: user key ascending (unsigned bytes), then sequence descending, so the newest version of a
     * key comes first.
     */
    static int compare(byte[] keyA, long seqA, byte[] keyB, long seqB) {
        int c = Arrays.compareUnsigned(keyA, keyB);
        return c != 0 ? c : Long.compare(seqB, seqA);
    }
}
