package io.durakv.lsm;

import io.durakv.api.CorruptionException;

import java.nio.file.Path;

/**
 * One checksum-verified block of entries (a data block or the index block), with its restart array checked. The
 * contents are {@code entries, u32 restart[n], u32 n}; each entry is
 * {@code varint shared, varint unshared, varint valueLength, key[shared..shared+unshared), value}, where the key is an
 * internal key (user key + 8-byte trailer) sharing its first {@code shared} bytes with the previous entry's key, and
 * {@code shared} is 0 at every restart point. {@link BlockIterator} decodes the entries.
 *
 * <p>Immutable and thread-safe: shared through the {@link BlockCache} by all readers of the table.
 */
final class Block {

    final byte[] data;
    /** End of the entries (start of the restart array) in {@link #data}. */
    final int entriesEnd;
    final int restarts;
    private final int restartsAt;
    final Path file;
    /** Offset of the block in its file, for messages. */
    final long offset;
    final byte type;

    private Block(byte[] data, int entriesEnd, int restarts, Path file, long offset, byte type) {
        this.data = data;
        this.entriesEnd = entriesEnd;
        this.restarts = restarts;
        this.restartsAt = entriesEnd;
        this.file = file;
        this.offset = offset;
        this.type = type;
    }

    /**
     * Checks the restart array of a verified block's contents {@code data[0, size)}.
     *
     * @throws CorruptionException if the restart array is impossible or the block holds no entry
     */
    static Block parse(byte[] data, int size, Path file, long offset, byte type) {
        String what = SstFormat.typeName(type);
        if (size < 4) {
            throw new CorruptionException(file, offset, what + " of " + size + " bytes has no restart count");
        }
        int restarts = SstCoding.getIntLE(data, size - 4);
        if (restarts < 1 || restarts > (size - 4) / 4) {
            throw new CorruptionException(file, offset, what + " of " + size + " bytes claims "
                    + Integer.toUnsignedString(restarts) + " restart points");
        }
        int entriesEnd = size - 4 - 4 * restarts;
        int previous = -1;
        for (int i = 0; i < restarts; i++) {
            int point = SstCoding.getIntLE(data, entriesEnd + 4 * i);
            if (point <= previous || point >= entriesEnd || (i == 0 && point != 0)) {
                throw new CorruptionException(file, offset, what + " restart point " + i + " at "
                        + Integer.toUnsignedString(point) + " is out of order or outside the entries (0.."
                        + entriesEnd + ")");
            }
            previous = point;
        }
        return new Block(data, entriesEnd, restarts, file, offset, type);
    }

    /** @return the offset of restart point {@code i}'s entry */
    int restartPoint(int i) {
        return SstCoding.getIntLE(data, restartsAt + 4 * i);
    }

    /** @return the memory the block holds, as the block cache charges it */
    int charge() {
        return data.length;
    }

    CorruptionException corrupt(String message) {
        return new CorruptionException(file, offset, SstFormat.typeName(type) + ": " + message);
    }
}
