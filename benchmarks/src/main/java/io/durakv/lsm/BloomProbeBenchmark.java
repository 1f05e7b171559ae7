package io.durakv.lsm;

import io.durakv.bench.jmh.ProbeBenchmark;
import io.durakv.bench.jmh.ProbeKeys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The lsm engine's bloom probe: {@link BloomFilter#mayContain} (XXH64 of the key, then {@code probes} bit tests) on a
 * filter of {@link #keys} 16-byte keys, built and decoded as {@link SstWriter} and {@link SstReader} do. Every
 * {@code get} on an SSTable starts with this probe; an absent key mostly stops at the first clear bit. The filter is
 * fixed for the trial, so throughput is measured over the same structure throughout.
 *
 * <p>Lives in the engine's package (a split package on the class path) because the filter is package-private.
 */
public class BloomProbeBenchmark extends ProbeBenchmark {

    /** Distinct keys in the filter. */
    @Param({"100000"})
    public int keys;

    /** Bits of filter per key (the engine's default is 10: about 0.8 % false positives). */
    @Param({"10"})
    public int bitsPerKey;

    private BloomFilter filter;

    @Setup(Level.Trial)
    public void setUp() {
        long[] hashes = new long[keys];
        for (int i = 0; i < keys; i++) {
            hashes[i] = BloomHash.xxh64(ProbeKeys.KEYS.key(i));
        }
        byte[] contents = BloomFilter.build(hashes, keys, bitsPerKey);
        filter = BloomFilter.decode(contents, contents.length, Path.of("bloom-benchmark.sst"), 0);
        present = ProbeKeys.present(0, keys, 1);
        absent = ProbeKeys.absent(0, keys, 2);
        // A filter has false positives by design, so only "never rejects a key it holds" is a check; the absent
        // keys' pass rate is printed beside the rate the filter is designed for.
        int falsePositives = 0;
        for (int i = 0; i < ProbeKeys.COUNT; i++) {
            if (!filter.mayContain(present.get(i))) {
                throw new IllegalStateException("the bloom filter rejects a key it was built with");
            }
            falsePositives += filter.mayContain(absent.get(i)) ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "%n%s, %,d keys: %.2f %% of absent probes pass (design %.2f %%)%n", filter,
                keys, 100.0 * falsePositives / ProbeKeys.COUNT,
                100 * BloomFilter.designFalsePositiveRate(bitsPerKey));
    }

    /** A probe of a key the filter holds: every probe bit is tested. */
    @Benchmark
    public void present(Blackhole bh) {
        bh.consume(filter.mayContain(present.next()));
    }

    /** A probe of a key the filter does not hold: stops at the first clear bit (or passes as a false positive). */
    @Benchmark
    public void absent(Blackhole bh) {
        bh.consume(filter.mayContain(absent.next()));
    }
}
