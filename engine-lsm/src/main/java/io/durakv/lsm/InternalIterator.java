package io.durakv.lsm;

/**
 * A cursor over internal entries (user key, sequence number, kind, value) in internal-key order: user keys ascending
 * by unsigned byte order, and for equal user keys the newest (highest sequence) first. Memtables, SSTables and the
 * merging iterator all implement it, so reads and compaction combine sources through one interface.
 *
 * <p>A new iterator is unpositioned ({@link #valid()} is false) until {@link #seekToFirst()} or {@link #seek} is
 * called. Returned arrays may be shared with the source and must not be modified. Not thread-safe.
 */
interface InternalIterator extends AutoCloseable {

    /** Positions at the first entry. */
    void seekToFirst();

    /** Positions at the first entry whose user key is {@code >= userKey} (newest version of it first). */
    void seek(byte[] userKey);

    /** @return whether the iterator is at an entry */
    boolean valid();

    /** Moves to the next entry; requires {@link #valid()}. */
    void next();

    /** @return the current entry's user key; requires {@link #valid()} */
    byte[] key();

    /**
     * The current user key in place, without a copy: it is {@code keyArray()[keyOffset(), keyOffset() + keyLength())}.
     * The array may be the source's own buffer, which it reuses when it moves: read it before the next
     * {@link #next()} or seek, and never modify it. Merges and scans compare keys this way and copy only the keys they
     * hand out.
     *
     * @return the array holding the current user key; requires {@link #valid()}
     */
    default byte[] keyArray() {
        return key();
    }

    /** @return where the current user key starts in {@link #keyArray()}; requires {@link #valid()} */
    default int keyOffset() {
        return 0;
    }

    /** @return the current user key's length in {@link #keyArray()}; requires {@link #valid()} */
    default int keyLength() {
        return key().length;
    }

    /** @return the current entry's sequence number (the WAL LSN of the write that made it) */
    long sequence();

    /** @return {@link EntryKind#PUT} or {@link EntryKind#DELETE} */
    byte kind();

    /** @return the current entry's value, or {@code null} for a tombstone */
    byte[] value();

    /**
     * @return the current entry's value as an array the caller owns and may hand out (a scan returning it), or
     *         {@code null} for a tombstone: a copy, unless the source made a fresh array for this entry that it
     *         gives up (a table's iterator, whose values are copied out of their block)
     */
    default byte[] takeValue() {
        byte[] v = value();
        return v == null ? null : v.clone();
    }

    /**
     * Adds the current entry to {@code table} (a flush or compaction writing it out). A source whose values sit in
     * larger arrays hands the value's range over instead of copying it out first.
     */
    default void addTo(SstWriter table) throws java.io.IOException {
        table.add(key(), sequence(), kind(), value());
    }

    /** Releases resources (file references, pinned blocks). Idempotent. */
    @Override
    void close();
}
