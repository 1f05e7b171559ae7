package io.durakv.bench.jmh;

import io.durakv.api.SyncMode;
import io.durakv.wal.WalOptions;
import io.durakv.wal.WriteAheadLog;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link WriteAheadLog#append} throughput (and, run with {@code -bm sample}, latency percentiles) per sync mode,
 * record size and number of appending threads: {@link #append1}, {@link #append2} and {@link #append8} are the same
 * operation at 1, 2 and 8 threads, so one run measures all three against one another.
 *
 * <p>Each trial (one method, one mode, one record size) gets a fresh log in a new directory under
 * {@code -Ddurakv.bench.dir} (default {@code java.io.tmpdir}), with 64 MiB segments and the default batch interval.
 *
 * <p>Throughput mode over a log is allowed here only because the log does not grow without bound: whenever about
 * 32 MiB of payload were appended since the last truncation, the appender that got the LSN on that boundary calls
 * {@link WriteAheadLog#truncateBefore(long)} with its LSN, as an engine does after a checkpoint. The log then holds
 * at most the active segment and the one before it, so the 20th second measures the same thing as the 2nd — segment
 * rotation and truncation included, at the rate they happen in steady state. LSNs are gap-free and unique, so
 * exactly one appender sees each boundary and no shared counter is needed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class WalAppendBenchmark {

    /** Segment size of the benchmarked log. */
    static final long SEGMENT_BYTES = 64L << 20;
    /** Payload bytes appended between two truncations. */
    static final long TRUNCATE_EVERY_BYTES = 32L << 20;

    /** When an append is durable. */
    @Param({"SYNC", "BATCH", "NONE"})
    public SyncMode mode;

    /** Bytes per record (payload; the log adds its framing). */
    @Param({"100", "4096"})
    public int recordBytes;

    private Path dir;
    private WriteAheadLog wal;
    /** Appended by every thread; never changed after setup, and the log does not keep it. */
    private byte[] record;
    private long truncateEveryRecords;

    @Setup(Level.Trial)
    public void setUp() {
        dir = BenchDir.create("durakv-jmh-wal-");
        WalOptions options = WalOptions.builder().syncMode(mode).segmentBytes(SEGMENT_BYTES).build();
        wal = WriteAheadLog.open(dir.resolve("wal"), options);
        record = new byte[recordBytes];
        ThreadLocalRandom.current().nextBytes(record);
        truncateEveryRecords = Math.max(1, TRUNCATE_EVERY_BYTES / recordBytes);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (wal != null) {
                wal.close();
            }
        } finally {
            BenchDir.delete(dir);
        }
    }

    private long append() {
        long lsn = wal.append(record);
        if (lsn % truncateEveryRecords == 0) {
            // Keeps the log bounded (see the class comment): drops every whole segment below this record.
            wal.truncateBefore(lsn);
        }
        return lsn;
    }

    /** One appending thread. */
    @Benchmark
    @Threads(1)
    public void append1(Blackhole bh) {
        bh.consume(append());
    }

    /** Two appending threads; in SYNC they share forces (group commit). */
    @Benchmark
    @Threads(2)
    public void append2(Blackhole bh) {
        bh.consume(append());
    }

    /** Eight appending threads; the SYNC goal is at least 5x the one-thread rate. */
    @Benchmark
    @Threads(8)
    public void append8(Blackhole bh) {
        bh.consume(append());
    }
}
