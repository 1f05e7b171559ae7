package io.durakv.bench.kv;

import java.util.SplittableRandom;

/**
 * YCSB's zipfian distribution (Gray et al., "Quickly generating billion-record synthetic databases", SIGMOD 1994,
 * as in YCSB's {@code ZipfianGenerator}): item {@code i} (0-based rank) is drawn with probability proportional to
 * {@code 1 / (i + 1)^theta}. {@link #nextScrambled} spreads the popular items over the key space with an FNV-1a hash
 * like YCSB's {@code ScrambledZipfianGenerator}, so the hot keys are not all neighbours. Immutable and thread-safe;
 * the randomness comes from the caller's generator.
 */
public final class ZipfianGenerator {

    /** YCSB's default skew. */
    public static final double YCSB_THETA = 0.99;

    private final long items;
    private final double theta;
    private final double zetaN;
    private final double alpha;
    private final double eta;
    private final double halfPowTheta;

    /** A distribution over {@code [0, items)} with skew {@code theta} in (0, 1). */
    public ZipfianGenerator(long items, double theta) {
        if (items < 2) {
            throw new IllegalArgumentException("a zipfian distribution needs at least 2 items: " + items);
        }
        if (!(theta > 0 && theta < 1)) {
            throw new IllegalArgumentException("theta must be in (0, 1): " + theta);
        }
        this.items = items;
        this.theta = theta;
        this.zetaN = zeta(items, theta);
        double zeta2 = zeta(2, theta);
        this.alpha = 1.0 / (1.0 - theta);
        this.eta = (1 - Math.pow(2.0 / items, 1 - theta)) / (1 - zeta2 / zetaN);
        this.halfPowTheta = 1 + Math.pow(0.5, theta);
    }

    /** The generalized harmonic number: sum over i = 1..n of 1 / i^theta. */
    static double zeta(long n, double theta) {
        double sum = 0;
        for (long i = 1; i <= n; i++) {
            sum += 1 / Math.pow(i, theta);
        }
        return sum;
    }

    /** @return the number of items */
    public long items() {
        return items;
    }

    /** @return the probability of rank {@code rank} (0 is the most popular) */
    public double probability(long rank) {
        return 1 / Math.pow(rank + 1, theta) / zetaN;
    }

    /** @return a rank in {@code [0, items)}; 0 is the most popular */
    public long next(SplittableRandom random) {
        double u = random.nextDouble();
        double uz = u * zetaN;
        if (uz < 1.0) {
            return 0;
        }
        if (uz < halfPowTheta) {
            return 1;
        }
        long rank = (long) (items * Math.pow(eta * u - eta + 1, alpha));
        return Math.min(rank, items - 1);
    }

    /** @return an item in {@code [0, items)}: a zipfian rank moved to a hashed position */
    public long nextScrambled(SplittableRandom random) {
        return Math.floorMod(fnv1a64(next(random)), items);
    }

    /** FNV-1a over the 8 bytes of {@code value}, low byte first (YCSB's {@code Utils.fnvhash64}). */
    static long fnv1a64(long value) {
        long hash = 0xCBF29CE484222325L;
        for (int i = 0; i < 8; i++) {
            hash ^= value & 0xFF;
            hash *= 0x100000001B3L;
            value >>>= 8;
        }
        return hash;
    }
}
