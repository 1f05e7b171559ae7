package io.durakv.lsm;

import io.durakv.api.CorruptionException;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The decoded index block: for each data block, the internal key of its last entry and its handle. An index entry's
 * key is that internal key (user key + trailer, kind always PUT) and its value {@code varint offset, varint size}
 * (contents size, trailer excluded). Decoding checks that the handles tile the data region exactly, block after block,
 * and that the keys strictly increase.
 *
 * <p>Immutable and thread-safe; {@link #find} allocates nothing.
 */
final class SstIndex {

    private final byte[][] lastKeys;
    private final long[] lastSequences;
    private final long[] offsets;
    private final int[] sizes;

    private SstIndex(byte[][] lastKeys, long[] lastSequences, long[] offsets, int[] sizes) {
        this.lastKeys = lastKeys;
        this.lastSequences = lastSequences;
        this.offsets = offsets;
        this.sizes = sizes;
    }

    /**
     * @param index      the verified index block
     * @param dataBlocks the number of data blocks the properties announce
     * @param dataEnd    the end of the data region (the bloom block's offset)
     */
    static SstIndex decode(Block index, int dataBlocks, long dataEnd, Path file) {
        // Each block takes at least its trailer and a restart count: a count the data region cannot hold is damage,
        // and must not size an allocation.
        if (dataBlocks > (dataEnd - SstFormat.HEADER_SIZE) / (SstFormat.TRAILER_SIZE + 8)) {
            throw new CorruptionException(file, index.offset, "index block: " + dataBlocks
                    + " data blocks cannot fit " + (dataEnd - SstFormat.HEADER_SIZE) + " bytes of data");
        }
        byte[][] keys = new byte[dataBlocks][];
        long[] sequences = new long[dataBlocks];
        long[] offsets = new long[dataBlocks];
        int[] sizes = new int[dataBlocks];
        BlockIterator it = new BlockIterator();
        it.reset(index);
        int n = 0;
        long expected = SstFormat.HEADER_SIZE;
        for (it.seekToFirst(); it.valid(); it.next()) {
            if (n == dataBlocks) {
                throw index.corrupt("more entries than the " + dataBlocks + " data blocks of the properties");
            }
            if (n > 0 && it.compare(keys[n - 1], sequences[n - 1]) <= 0) {
                throw index.corrupt("entry " + n + " is not after entry " + (n - 1));
            }
            SstCoding.Input value = it.valueInput();
            long offset = value.varint64();
            int size = value.varint(SstFormat.MAX_BLOCK_BYTES, "block size");
            if (offset != expected || offset + size + SstFormat.TRAILER_SIZE > dataEnd || value.remaining() != 0) {
                throw index.corrupt("entry " + n + " has the block handle (" + offset + ", " + size
                        + ") where a block at " + expected + " ending by " + dataEnd + " was expected");
            }
            keys[n] = it.userKey();
            sequences[n] = it.sequence();
            offsets[n] = offset;
            sizes[n] = size;
            expected = offset + size + SstFormat.TRAILER_SIZE;
            n++;
        }
        if (n != dataBlocks || expected != dataEnd) {
            throw new CorruptionException(file, index.offset, "index block: " + n + " entries cover the data up to "
                    + expected + ", expected " + dataBlocks + " blocks up to " + dataEnd);
        }
        return new SstIndex(keys, sequences, offsets, sizes);
    }

    /** @return the number of data blocks */
    int size() {
        return offsets.length;
    }

    /**
     * @return the first data block whose last entry is at or after {@code (userKey, sequence)} in internal-key order
     *         (the only block that can hold the first entry at or after it), or {@link #size()} if there is none
     */
    int find(byte[] userKey, long sequence) {
        int lo = 0;
        int hi = offsets.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (EntryKind.compare(lastKeys[mid], lastSequences[mid], userKey, sequence) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** @return whether {@code (userKey, sequence)} is the index key of {@code block} */
    boolean isLastEntry(int block, byte[] userKey, long sequence) {
        return lastSequences[block] == sequence && Arrays.equals(lastKeys[block], userKey);
    }

    long offset(int block) {
        return offsets[block];
    }

    int blockSize(int block) {
        return sizes[block];
    }

    /** @return the user key of the last entry of the last block */
    byte[] lastKey() {
        return lastKeys[lastKeys.length - 1];
    }

    @Override
    public String toString() {
        return "SstIndex[" + offsets.length + " blocks]";
    }
}
