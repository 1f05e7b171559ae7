package io.durakv.lsm;

import java.util.Arrays;

/**
 * Builds the contents of one data or index block (layout in {@link Block}): entries with prefix-compressed internal
 * keys, a restart point (a whole key) every {@code restartInterval} entries, the restart array and its count.
 * Entries must be added in increasing internal-key order; the caller ({@link SstWriter}) checks that.
 *
 * <p>Not thread-safe; reused block after block through {@link #reset()}.
 */
final class BlockBuilder {

    private final int restartInterval;
    private final SstCoding.Output out;
    private int[] restarts = new int[16];
    private int restartCount;
    private int sinceRestart;
    private byte[] lastKey = new byte[64];
    private int lastKeyLength;
    private byte[] key = new byte[64];
    private int entries;

    BlockBuilder(int restartInterval, int expectedBytes) {
        this.restartInterval = restartInterval;
        this.out = new SstCoding.Output(expectedBytes + expectedBytes / 4);
    }

    void reset() {
        out.reset();
        restartCount = 0;
        sinceRestart = 0;
        lastKeyLength = 0;
        entries = 0;
    }

    boolean isEmpty() {
        return entries == 0;
    }

    /** @return the contents' size if the block were finished now */
    int estimatedSize() {
        return out.size() + 4 * (restartCount + 1) + 4;
    }

    /** Adds an entry whose internal key is {@code userKey} with the trailer {@code sequence << 8 | kind}. */
    void add(byte[] userKey, long sequence, byte kind, byte[] value, int valueFrom, int valueLength) {
        add(userKey, 0, userKey.length, sequence, kind, value, valueFrom, valueLength);
    }

    /** As {@link #add(byte[], long, byte, byte[], int, int)} with the user key in {@code userKey[keyFrom, +userKeyLength)}. */
    void add(byte[] userKey, int keyFrom, int userKeyLength, long sequence, byte kind, byte[] value, int valueFrom,
             int valueLength) {
        int keyLength = userKeyLength + SstFormat.KEY_TRAILER_SIZE;
        if (key.length < keyLength) {
            key = new byte[Math.max(keyLength, 2 * key.length)];
        }
        System.arraycopy(userKey, keyFrom, key, 0, userKeyLength);
        long trailer = sequence << 8 | (kind & 0xFF);
        for (int i = 0; i < 8; i++) {
            key[userKeyLength + i] = (byte) (trailer >>> (56 - 8 * i));
        }
        int shared = 0;
        if (sinceRestart == restartInterval || entries == 0) {
            if (restartCount == restarts.length) {
                restarts = Arrays.copyOf(restarts, 2 * restarts.length);
            }
            restarts[restartCount++] = out.size();
            sinceRestart = 0;
        } else {
            int max = Math.min(lastKeyLength, keyLength);
            shared = Arrays.mismatch(lastKey, 0, max, key, 0, max);
            if (shared < 0) {
                shared = max;
            }
        }
        out.putVarint(shared);
        out.putVarint(keyLength - shared);
        out.putVarint(valueLength);
        out.put(key, shared, keyLength - shared);
        if (valueLength > 0) {
            out.put(value, valueFrom, valueLength);
        }
        byte[] swap = lastKey;
        lastKey = key;
        key = swap;
        lastKeyLength = keyLength;
        sinceRestart++;
        entries++;
    }

    /** Appends the restart array; the contents are then {@code array()[0, size())} until {@link #reset()}. */
    void finish() {
        for (int i = 0; i < restartCount; i++) {
            out.putIntLE(restarts[i]);
        }
        out.putIntLE(restartCount);
    }

    byte[] array() {
        return out.array();
    }

    int size() {
        return out.size();
    }
}
