package io.durakv.wal;

/**
 * One valid frame read from a segment: a record, or a marker (see {@link WalFormat}).
 *
 * @param offset       where the frame starts in its segment file
 * @param type         {@link WalFormat#TYPE_DATA}, {@link WalFormat#TYPE_SEGMENT_END} or
 *                     {@link WalFormat#TYPE_CLEAN_CLOSE}
 * @param lsn          the record's LSN; for a marker, the LSN the next record gets
 * @param forcedOffset the offset up to which the segment was known forced when this frame was written
 * @param payload      the record's bytes (empty for markers)
 */
record Frame(long offset, byte type, long lsn, long forcedOffset, byte[] payload) {

    /** @return the frame's size on disk */
    int size() {
        return WalFormat.FRAME_HEADER_SIZE + payload.length;
    }

    /** @return the offset just past the frame, where the next one starts */
    long end() {
        return offset + size();
    }

    /** @return whether this frame carries a record */
    boolean isData() {
        return type == WalFormat.TYPE_DATA;
    }

    @Override
    public String toString() {
        return WalFormat.typeName(type) + " LSN " + lsn + " at offset " + offset;
    }
}
