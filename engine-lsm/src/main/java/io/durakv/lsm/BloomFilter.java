package io.durakv.lsm;

import io.durakv.api.CorruptionException;

import java.nio.file.Path;

/**
 * The bloom filter of one SSTable, over its distinct user keys (not internal keys, so a lookup at any sequence number
 * can use it). Contents of the bloom block: {@code u8 probes}, then the bit array ({@code m = 8 * (length - 1)}
 * bits, bit {@code i} is bit {@code i % 8} of byte {@code i / 8}).
 *
 * <p>A key sets or probes bits {@code (h + i * d) mod m} for {@code i} in {@code [0, probes)}, unsigned 64-bit
 * arithmetic, where {@code h = XXH64(key)} and {@code d = rotateLeft(h, 32) | 1} (Kirsch–Mitzenmacher double hashing:
 * two hashes give the quality of {@code probes} independent ones). With {@code b} bits per key the writer chooses
 * {@code probes = round(b * ln 2)}, which minimises the false-positive rate {@code (1 - e^(-probes / b))^probes}:
 * about 0.8 % for 10 bits per key.
 *
 * <p>Immutable and thread-safe once built; {@link #mayContain} allocates nothing.
 */
final class BloomFilter {

    static final int MAX_PROBES = 30;
    private static final int MIN_BITS = 64;

    private final byte[] contents;
    private final long bits;
    private final int probes;

    private BloomFilter(byte[] contents, int length) {
        this.contents = contents;
        this.probes = contents[0];
        this.bits = 8L * (length - 1);
    }

    /**
     * Reads a bloom block's contents (already checksum-verified).
     *
     * @throws CorruptionException if the probe count or the size is impossible
     */
    static BloomFilter decode(byte[] contents, int length, Path file, long blockOffset) {
        if (length < 2) {
            throw new CorruptionException(file, blockOffset, "bloom block of " + length + " bytes is too short");
        }
        int probes = contents[0];
        if (probes < 1 || probes > MAX_PROBES) {
            throw new CorruptionException(file, blockOffset, "bloom block has " + probes + " probes, allowed 1.."
                    + MAX_PROBES);
        }
        return new BloomFilter(contents, length);
    }

    /** @return the probe count the writer uses for {@code bitsPerKey} */
    static int probesFor(int bitsPerKey) {
        return Math.max(1, Math.min(MAX_PROBES, (int) Math.round(bitsPerKey * Math.log(2))));
    }

    /** @return the false-positive rate the filter is designed for, with {@code bitsPerKey} bits a key */
    static double designFalsePositiveRate(int bitsPerKey) {
        int k = probesFor(bitsPerKey);
        return Math.pow(1 - Math.exp(-(double) k / bitsPerKey), k);
    }

    /**
     * Builds a filter's block contents from the keys' hashes.
     *
     * @param hashes     {@link BloomHash#xxh64} of each distinct user key; only {@code [0, count)} are used
     * @param bitsPerKey bits of filter per key
     */
    static byte[] build(long[] hashes, int count, int bitsPerKey) {
        long wanted = Math.max(MIN_BITS, (long) count * bitsPerKey);
        int bytes = (int) Math.min((wanted + 7) / 8, SstFormat.MAX_BLOCK_BYTES - 1);
        byte[] contents = new byte[1 + bytes];
        int probes = probesFor(bitsPerKey);
        contents[0] = (byte) probes;
        long m = 8L * bytes;
        for (int n = 0; n < count; n++) {
            long h = hashes[n];
            long d = Long.rotateLeft(h, 32) | 1;
            for (int i = 0; i < probes; i++) {
                long bit = Long.remainderUnsigned(h, m);
                contents[1 + (int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
                h += d;
            }
        }
        return contents;
    }

    /** @return false if {@code userKey} is certainly not in the table; true if it may be */
    boolean mayContain(byte[] userKey) {
        return mayContainHash(BloomHash.xxh64(userKey));
    }

    /**
     * @param hash {@link BloomHash#xxh64} of the user key (a point read hashes once for every table it probes)
     * @return false if the key is certainly not in the table; true if it may be
     */
    boolean mayContainHash(long hash) {
        long h = hash;
        long d = Long.rotateLeft(h, 32) | 1;
        for (int i = 0; i < probes; i++) {
            long bit = Long.remainderUnsigned(h, bits);
            if ((contents[1 + (int) (bit >>> 3)] & (1 << (bit & 7))) == 0) {
                return false;
            }
            h += d;
        }
        return true;
    }

    /** @return the size of the bit array in bits */
    long bits() {
        return bits;
    }

    /** @return the number of bits a key sets */
    int probes() {
        return probes;
    }

    @Override
    public String toString() {
        return "BloomFilter[bits=" + bits + ", probes=" + probes + "]";
    }
}
