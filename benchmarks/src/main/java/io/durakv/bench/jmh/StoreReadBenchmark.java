package io.durakv.bench.jmh;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.SyncMode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Reads per DuraKV engine through the public API, on a store loaded once per trial with {@link #KEYS} keys (16 B
 * keys, 100 B values): {@link #get} is a point get of a random existing key (for {@code btree}: the B+tree page
 * search from the root through the buffer pool), {@link #scan100} a 100-key scan from a random key. Reads do not
 * grow the store, so throughput mode measures the same store throughout.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Threads(1)
public class StoreReadBenchmark {

    /** Keys in the store. */
    static final int KEYS = 100_000;

    /** The DuraKV engine, opened through {@code KeyValueStores.open}; lsm and bitcask fail until they land. */
    @Param({"btree", "lsm", "bitcask"})
    public String engine;

    private Path dir;
    private KeyValueStore store;

    @Setup(Level.Trial)
    public void setUp() {
        dir = BenchDir.create("durakv-jmh-read-");
        store = StoreJmh.open(engine, dir.resolve("store"), SyncMode.NONE);
        StoreJmh.load(store, KEYS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (store != null) {
                store.close();
            }
        } finally {
            BenchDir.delete(dir);
        }
    }

    /** Each benchmark thread's random keys. */
    @State(Scope.Thread)
    public static class Cursor {
        final SplittableRandom random = new SplittableRandom(7);

        byte[] nextKey() {
            return StoreJmh.KEYS.key(random.nextInt(KEYS));
        }
    }

    /** A point get of a random existing key. */
    @Benchmark
    public void get(Cursor c, Blackhole bh) {
        bh.consume(store.get(c.nextKey()));
    }

    /** A scan of 100 keys from a random existing key (fewer near the end of the key space). */
    @Benchmark
    public void scan100(Cursor c, Blackhole bh) {
        try (KeyValueIterator it = store.scan(c.nextKey(), null)) {
            for (int i = 0; i < 100 && it.hasNext(); i++) {
                KeyValue kv = it.next();
                bh.consume(kv.value());
            }
        }
    }
}
