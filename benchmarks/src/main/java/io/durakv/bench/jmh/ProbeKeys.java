package io.durakv.bench.jmh;

import io.durakv.bench.kv.KeySpace;

import java.util.SplittableRandom;

/**
 * Keys for the structure microbenchmarks (SSTable block seek, bloom probe, B+tree page search, keydir lookup), made
 * once in {@code @Setup} so that no operation allocates or draws a random number: {@link #COUNT} keys chosen at
 * random from a range of the {@link KeySpace}, which each operation takes in turn ({@link #next}). Present keys are
 * {@link KeySpace#key}, absent ones {@link KeySpace#missingKey}, which sort between present keys, so a miss walks the
 * same search path as a hit.
 */
public final class ProbeKeys {

    /** Probe keys per set: enough that the branch predictor cannot learn the sequence. */
    public static final int COUNT = 1 << 14;
    private static final int MASK = COUNT - 1;

    /** 16-byte keys, as kvbench's and the store benchmarks' defaults; values up to 16 KiB. */
    public static final KeySpace KEYS = new KeySpace(16, 16 * 1024, 42);

    private final byte[][] keys;
    private int next;

    private ProbeKeys(byte[][] keys) {
        this.keys = keys;
    }

    /** @return {@link #COUNT} random keys among {@code KEYS.key(first .. first + n - 1)} */
    public static ProbeKeys present(long first, int n, long seed) {
        return present(first, n, 1, seed);
    }

    /** @return {@link #COUNT} random keys among {@code KEYS.key(first + stride * i)} for {@code i} in {@code [0, n)} */
    public static ProbeKeys present(long first, int n, int stride, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[][] k = new byte[COUNT][];
        for (int i = 0; i < COUNT; i++) {
            k[i] = KEYS.key(first + (long) stride * r.nextInt(n));
        }
        return new ProbeKeys(k);
    }

    /** @return {@link #COUNT} random absent keys, each just after one of {@code KEYS.key(first .. first + n - 1)} */
    public static ProbeKeys absent(long first, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[][] k = new byte[COUNT][];
        for (int i = 0; i < COUNT; i++) {
            k[i] = KEYS.missingKey(first + r.nextInt(n));
        }
        return new ProbeKeys(k);
    }

    /** @return the next probe key, round robin; for one thread */
    public byte[] next() {
        return keys[next++ & MASK];
    }

    /** @return probe key {@code i} (for checks in set-up) */
    public byte[] get(int i) {
        return keys[i];
    }
}
