package io.durakv.bench;

import io.durakv.api.SyncMode;
import io.durakv.api.io.*;
import io.durakv.wal.*;
import java.io.IOException;
import java.nio.file.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

/**
 * A quick probe of the write-ahead log beside the JMH benchmarks: appends from T threads for S seconds (after a 1 s
 * warm-up) and prints appends/s, MB/s and, counted through a {@link ForwardingDisk}, appends per file force: the
 * group-commit figure JMH cannot show. Like {@code WalAppendBenchmark} it truncates the log every 32 MiB.
 * Usage: {@code java -cp durakv-bench.jar io.durakv.bench.WalProbe MODE THREADS RECORD_BYTES SECONDS DIR}.
 */
public final class WalProbe {

    private WalProbe() {
    }

    private static final AtomicLong forces = new AtomicLong();
    public static void main(String[] a) throws Exception {
        SyncMode mode = SyncMode.valueOf(a[0]);
        int threads = Integer.parseInt(a[1]);
        int size = Integer.parseInt(a[2]);
        double seconds = Double.parseDouble(a[3]);
        Path dir = Files.createTempDirectory(Path.of(a[4]), "probe");
        Disk disk = new ForwardingDisk(LocalDisk.INSTANCE) {
            @Override protected DiskFile wrap(DiskFile f) {
                return new ForwardingFile(f) {
                    @Override public void force(boolean m) throws IOException { forces.incrementAndGet(); super.force(m); }
                };
            }
        };
        WriteAheadLog log = WriteAheadLog.open(dir, WalOptions.builder().syncMode(mode).disk(disk).segmentBytes(64L << 20).build());
        long perTrunc = (32L << 20) / size;
        AtomicLong appends = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        byte[] rec = new byte[size];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        // warm-up 1 s
        Runnable body = () -> { while (!stop.get()) { long lsn = log.append(rec); appends.incrementAndGet(); if (lsn % perTrunc == 0) log.truncateBefore(lsn); } };
        for (int t = 0; t < threads; t++) pool.submit(body);
        Thread.sleep(1000);
        long a0 = appends.get(), f0 = forces.get(), t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        long a1 = appends.get(), f1 = forces.get(), t1 = System.nanoTime();
        stop.set(true);
        pool.shutdown(); pool.awaitTermination(60, TimeUnit.SECONDS);
        log.close();
        double s = (t1 - t0) / 1e9;
        double ops = (a1 - a0) / s;
        System.out.printf("%s T=%d size=%d ops/s=%.0f MB/s=%.1f appends/force=%.2f%n", mode, threads, size, ops, ops * size / 1e6, (a1 - a0) / (double) Math.max(1, f1 - f0));
        try (var st = Files.walk(dir)) { st.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
    }
}
