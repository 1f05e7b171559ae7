package io.durakv.lsm;

/**
 * XXH64 with seed 0 (the xxHash 64-bit algorithm, as specified at github.com/Cyan4973/xxHash/doc/xxhash_spec.md): the
 * hash the SSTable bloom filter probes with. Part of the on-disk format: a filter written with one hash can only be
 * probed with the same one.
 *
 * <p>Stateless and thread-safe; allocates nothing.
 */
final class BloomHash {

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private BloomHash() {
    }

    /** @return XXH64 of {@code data} with seed 0 */
    static long xxh64(byte[] data) {
        return xxh64(data, 0, data.length);
    }

    /** @return XXH64 of {@code data[from, from + length)} with seed 0 */
    static long xxh64(byte[] data, int from, int length) {
        int len = length;
        int p = from;
        int end = from + length;
        long h;
        if (len >= 32) {
            long v1 = P1 + P2;
            long v2 = P2;
            long v3 = 0;
            long v4 = -P1;
            int stripesEnd = end - 32;
            while (p <= stripesEnd) {
                v1 = round(v1, SstCoding.getLongLE(data, p));
                v2 = round(v2, SstCoding.getLongLE(data, p + 8));
                v3 = round(v3, SstCoding.getLongLE(data, p + 16));
                v4 = round(v4, SstCoding.getLongLE(data, p + 24));
                p += 32;
            }
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = P5;
        }
        h += len;
        while (p + 8 <= end) {
            h ^= round(0, SstCoding.getLongLE(data, p));
            h = Long.rotateLeft(h, 27) * P1 + P4;
            p += 8;
        }
        if (p + 4 <= end) {
            h ^= (SstCoding.getIntLE(data, p) & 0xFFFFFFFFL) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            p += 4;
        }
        while (p < end) {
            h ^= (data[p] & 0xFF) * P5;
            h = Long.rotateLeft(h, 11) * P1;
            p++;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long input) {
        return Long.rotateLeft(acc + input * P2, 31) * P1;
    }

    private static long merge(long acc, long v) {
        acc ^= round(0, v);
        return acc * P1 + P4;
    }
}
