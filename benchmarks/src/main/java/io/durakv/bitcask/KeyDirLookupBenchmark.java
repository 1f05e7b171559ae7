package io.durakv.bitcask;

import io.durakv.bench.jmh.ProbeBenchmark;
import io.durakv.bench.jmh.ProbeKeys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.Locale;

/**
 * The bitcask engine's key directory lookup: {@link KeyDir#find} (hash, linear probe, key compare in the arena) and
 * the reads of the entry's LSN and location that {@code BitcaskStore.get} does under its read lock, on a directory of
 * {@link #keys} 16-byte keys inserted as recovery does (sized once with {@link KeyDir#reserve}). No lock, log read or
 * checksum: those belong to the get benchmark. The directory is fixed for the trial.
 *
 * <p>Lives in the engine's package (a split package on the class path) because the directory is package-private.
 */
public class KeyDirLookupBenchmark extends ProbeBenchmark {

    /** Bytes of one record of a 16-byte key and a 100-byte value, for plausible locations. */
    private static final int RECORD_BYTES = 140;

    /** Live keys in the directory: 100 k (fits the CPU caches better) and 1 M (kvbench's default store). */
    @Param({"100000", "1000000"})
    public int keys;

    private KeyDir dir;

    @Setup(Level.Trial)
    public void setUp() {
        dir = new KeyDir();
        dir.reserve(keys);
        for (int i = 0; i < keys; i++) {
            dir.insert(ProbeKeys.KEYS.key(i), i + 1L, BitcaskFormat.location(0, (long) i * RECORD_BYTES),
                    RECORD_BYTES);
        }
        probes(ProbeKeys.present(0, keys, 1), ProbeKeys.absent(0, keys, 2), key -> dir.find(key) >= 0,
                "the key directory");
        System.out.printf(Locale.ROOT, "%nkey directory: %,d keys, %,d bytes of overhead beyond the keys%n",
                dir.size(), dir.overheadBytes((long) keys * 16));
    }

    /** A lookup of a live key, then its LSN and location, as a get reads them. */
    @Benchmark
    public void present(Blackhole bh) {
        int e = dir.find(present.next());
        bh.consume(dir.lsn(e));
        bh.consume(dir.location(e));
    }

    /** A lookup of a key the directory does not hold: the probe run ends at an empty slot. */
    @Benchmark
    public void absent(Blackhole bh) {
        bh.consume(dir.find(absent.next()));
    }
}
