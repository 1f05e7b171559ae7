package io.durakv.lsm;

import io.durakv.api.CorruptionException;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The properties block: what a table holds, so that opening it needs no scan. Contents: {@code u64 entries,
 * u64 smallestSequence, u64 largestSequence, u32 dataBlocks, u32 distinctKeys, varint smallestKeyLength,
 * smallestKey, varint largestKeyLength, largestKey} — nothing after.
 *
 * @param entries          entries in the table (versions and tombstones included), at least 1
 * @param smallestSequence lowest sequence number
 * @param largestSequence  highest sequence number
 * @param dataBlocks       number of data blocks (the index has one entry each)
 * @param distinctKeys     number of distinct user keys (the bloom filter's keys)
 * @param smallestKey      first user key
 * @param largestKey       last user key
 */
record SstProperties(long entries, long smallestSequence, long largestSequence, int dataBlocks, int distinctKeys,
                     byte[] smallestKey, byte[] largestKey) {

    void encode(SstCoding.Output out) {
        out.putLongLE(entries);
        out.putLongLE(smallestSequence);
        out.putLongLE(largestSequence);
        out.putIntLE(dataBlocks);
        out.putIntLE(distinctKeys);
        out.putVarint(smallestKey.length);
        out.put(smallestKey);
        out.putVarint(largestKey.length);
        out.put(largestKey);
    }

    /** Decodes and checks a verified properties block {@code contents[0, size)}. */
    static SstProperties decode(byte[] contents, int size, Path file, long offset) {
        SstCoding.Input in = new SstCoding.Input(file, offset, "properties block", contents, 0, size);
        long entries = in.getLongLE();
        long smallestSequence = in.getLongLE();
        long largestSequence = in.getLongLE();
        int dataBlocks = in.getIntLE();
        int distinctKeys = in.getIntLE();
        byte[] smallest = in.bytes(in.varint(size, "smallest key length"), "smallest key");
        byte[] largest = in.bytes(in.varint(size, "largest key length"), "largest key");
        if (in.remaining() != 0) {
            throw in.corrupt(in.remaining() + " unexpected bytes after the largest key");
        }
        if (entries < 1 || dataBlocks < 1 || distinctKeys < 1 || distinctKeys > entries
                || smallestSequence < 0 || smallestSequence > largestSequence
                || largestSequence > SstFormat.MAX_SEQUENCE || Arrays.compareUnsigned(smallest, largest) > 0) {
            throw in.corrupt("inconsistent properties: entries=" + entries + ", dataBlocks=" + dataBlocks
                    + ", distinctKeys=" + distinctKeys + ", sequences " + smallestSequence + ".." + largestSequence);
        }
        return new SstProperties(entries, smallestSequence, largestSequence, dataBlocks, distinctKeys, smallest,
                largest);
    }
}
