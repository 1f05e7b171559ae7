package io.durakv.bench.kv;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The keys and values every engine gets, byte for byte the same. Key {@code i} of the store is the big-endian
 * number {@code 2 i} in the last 8 bytes, zero-padded in front to {@code keyBytes}, so key order is index order
 * (fillseq writes in key order) and keys never start with 0xFF. Missing keys ({@code 2 i + 1}) fall between
 * existing ones, so a miss walks the same paths as a hit. Values are slices of one pool of random bytes
 * (incompressible), chosen by a hash of the operation, so every engine writes the same bytes.
 */
public final class KeySpace {

    private static final int POOL_BYTES = 1 << 20;

    private final int keyBytes;
    private final byte[] pool;

    /** @throws IllegalArgumentException if {@code keyBytes < 8} or {@code maxValueBytes < 0} */
    public KeySpace(int keyBytes, int maxValueBytes, long seed) {
        if (keyBytes < 8) {
            throw new IllegalArgumentException("keys must be at least 8 bytes (a big-endian index): " + keyBytes);
        }
        if (maxValueBytes < 0) {
            throw new IllegalArgumentException("value size must not be negative: " + maxValueBytes);
        }
        this.keyBytes = keyBytes;
        this.pool = new byte[POOL_BYTES + maxValueBytes];
        new SplittableRandom(seed).nextBytes(pool);
    }

    /** @return key number {@code index} of the loaded store */
    public byte[] key(long index) {
        return encode(2 * index);
    }

    /** @return a key that is never written, between {@code key(index)} and {@code key(index + 1)} */
    public byte[] missingKey(long index) {
        return encode(2 * index + 1);
    }

    private byte[] encode(long n) {
        byte[] k = new byte[keyBytes];
        for (int i = 0; i < 8; i++) {
            k[keyBytes - 1 - i] = (byte) (n >>> (8 * i));
        }
        return k;
    }

    /** @return the value of write number {@code op}: {@code bytes} bytes of the pool at a hashed offset */
    public byte[] value(long op, int bytes) {
        if (bytes > pool.length - POOL_BYTES) {
            throw new IllegalArgumentException("value of " + bytes + " bytes is larger than this key space's maximum "
                    + (pool.length - POOL_BYTES));
        }
        int offset = (int) Math.floorMod(ZipfianGenerator.fnv1a64(op), (long) POOL_BYTES);
        return Arrays.copyOfRange(pool, offset, offset + bytes);
    }
}
