package io.durakv.bench.jmh;

import io.durakv.api.KeyValueStore;
import io.durakv.api.SyncMode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Puts per DuraKV engine through the public API. A put grows the store, so there is no throughput mode here:
 * every iteration opens a fresh, empty store and one invocation writes a fixed number of new keys
 * ({@code SingleShotTime}, reported per put through {@code @OperationsPerInvocation}): {@link #put} 20 000 puts in
 * NONE mode, {@link #putSync} 200 puts in SYNC mode (a force each). The keys are distinct and written in a scrambled order.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
public class StorePutBenchmark {

    /** Puts per invocation of {@link #put}. */
    static final int PUTS = 20_000;
    /** Puts per invocation of {@link #putSync}. */
    static final int SYNC_PUTS = 200;

    /** A fresh empty store per iteration. */
    @State(Scope.Thread)
    public abstract static class FreshStore {
        /** The DuraKV engine, opened through {@code KeyValueStores.open}; lsm and bitcask fail until they land. */
        @Param({"btree", "lsm", "bitcask"})
        public String engine;

        Path dir;
        KeyValueStore store;

        abstract SyncMode mode();

        @Setup(Level.Iteration)
        public void open() {
            dir = BenchDir.create("durakv-jmh-put-");
            store = StoreJmh.open(engine, dir.resolve("store"), mode());
        }

        @TearDown(Level.Iteration)
        public void close() {
            try {
                if (store != null) {
                    store.close();
                }
            } finally {
                BenchDir.delete(dir);
            }
        }
    }

    /** State of {@link #put}. */
    @State(Scope.Thread)
    public static class NoneStore extends FreshStore {
        @Override
        SyncMode mode() {
            return SyncMode.NONE;
        }
    }

    /** State of {@link #putSync}. */
    @State(Scope.Thread)
    public static class SyncStore extends FreshStore {
        @Override
        SyncMode mode() {
            return SyncMode.SYNC;
        }
    }

    private static void puts(KeyValueStore store, int n, Blackhole bh) {
        for (int i = 0; i < n; i++) {
            // Multiplying by an odd constant mod 2^31 is a bijection: distinct keys, in a scrambled order.
            long k = (i * 0x9E3779B1L) & 0x7FFFFFFFL;
            store.put(StoreJmh.KEYS.key(k), StoreJmh.KEYS.value(i, StoreJmh.VALUE_BYTES));
        }
        bh.consume(n);
    }

    /** 20 000 puts into an empty store, NONE mode. */
    @Benchmark
    @OperationsPerInvocation(PUTS)
    public void put(NoneStore s, Blackhole bh) {
        puts(s.store, PUTS, bh);
    }

    /** 200 puts into an empty store, SYNC mode: one force per put. */
    @Benchmark
    @OperationsPerInvocation(SYNC_PUTS)
    public void putSync(SyncStore s, Blackhole bh) {
        puts(s.store, SYNC_PUTS, bh);
    }
}
