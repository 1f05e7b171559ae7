package io.durakv.bench;

import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import io.durakv.wal.WalOptions;
import io.durakv.wal.WriteAheadLog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The write-ahead log's single-thread append rate as a ratio to a raw ceiling, measured in <em>interleaved</em> short
 * trials (raw, log, log, raw, raw, log, ...), so that the phases of a noisy shared disk hit both sides alike; the
 * median of the per-pair ratios is the figure. JMH runs one benchmark after the other, which on such a disk can
 * put the two sides of a ratio into different phases.
 *
 * <ul>
 *   <li>{@code SYNC}: the raw side is a {@code FileChannel} loop writing one record and calling {@code force(false)},
 *       over a zero-filled, forced 64 MiB file (issue 3: "a plain FileChannel write+force loop on a preallocated
 *       file"); the log side is {@code append} in SYNC mode.</li>
 *   <li>{@code BATCH} and {@code NONE}: two raw sides: page-cache bandwidth (record-sized writes into a preallocated
 *       file, never forced) and forced bandwidth (the same writes, one {@code force(false)} per 64 MiB, i.e. what the
 *       device sustains); the log side is {@code append} in that mode.</li>
 * </ul>
 * The log is truncated every 32 MiB, like {@code WalAppendBenchmark}, so it stays bounded and reuses segment files.
 *
 * <p>Usage: {@code java -cp durakv-bench.jar io.durakv.bench.WalRatioProbe MODE RECORD_BYTES PAIRS SECONDS DIR
 * [MAX_UNFORCED_BYTES]} (the last: BATCH's bound on unforced bytes, default {@link WalOptions#DEFAULT_MAX_UNFORCED_BYTES}).
 */
public final class WalRatioProbe {

    private static final long FILE_BYTES = 64L << 20;

    private WalRatioProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5 && args.length != 6) {
            System.err.println("usage: WalRatioProbe SYNC|BATCH|NONE RECORD_BYTES PAIRS SECONDS DIR "
                    + "[MAX_UNFORCED_BYTES]");
            System.exit(2);
        }
        SyncMode mode = SyncMode.valueOf(args[0]);
        int size = Integer.parseInt(args[1]);
        int pairs = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        Path dir = Files.createTempDirectory(Path.of(args[4]), "ratio");
        long maxUnforced = args.length == 6 ? Long.parseLong(args[5]) : WalOptions.DEFAULT_MAX_UNFORCED_BYTES;
        try {
            run(mode, size, pairs, seconds, dir, maxUnforced);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(SyncMode mode, int size, int pairs, double seconds, Path dir, long maxUnforced)
            throws IOException {
        long nanos = (long) (seconds * 1e9);
        try (FileChannel raw = preallocated(dir.resolve("raw.dat"));
             WriteAheadLog log = WriteAheadLog.open(dir.resolve("wal"), WalOptions.builder().syncMode(mode)
                     .disk(LocalDisk.INSTANCE).segmentBytes(64L << 20).maxUnforcedBytes(maxUnforced).build())) {
            Raw rawSide = new Raw(raw, size);
            Wal walSide = new Wal(log, size);
            // Warm-up of both sides.
            measure(() -> rawSide.step(mode == SyncMode.SYNC ? 1 : 0), nanos / 2);
            measure(walSide::step, nanos / 2);
            List<double[]> rows = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                boolean rawFirst = i % 2 == 0;
                double[] row = new double[3];
                for (int side = 0; side < 2; side++) {
                    if ((side == 0) == rawFirst) {
                        if (mode == SyncMode.SYNC) {
                            row[0] = measure(() -> rawSide.step(1), nanos);
                        } else {
                            row[0] = measure(() -> rawSide.step(0), nanos);
                            row[2] = measure(() -> rawSide.step(FILE_BYTES / size), nanos);
                        }
                    } else {
                        row[1] = measure(walSide::step, nanos);
                    }
                }
                rows.add(row);
                if (mode == SyncMode.SYNC) {
                    System.out.printf(Locale.ROOT, "pair %2d  raw write+force %9.0f ops/s  log SYNC %9.0f ops/s  "
                            + "ratio %.2f%n", i + 1, row[0], row[1], row[1] / row[0]);
                } else {
                    System.out.printf(Locale.ROOT, "pair %2d  raw page cache %7.1f MB/s  raw forced %7.1f MB/s  "
                                    + "log %s %7.1f MB/s  ratios %.2f / %.2f%n", i + 1, mb(row[0], size),
                            mb(row[2], size), mode, mb(row[1], size), row[1] / row[0], row[1] / row[2]);
                }
            }
            double[] toPageCache = rows.stream().mapToDouble(r -> r[1] / r[0]).sorted().toArray();
            if (mode == SyncMode.SYNC) {
                System.out.printf(Locale.ROOT, "SYNC 1 thread, %d B: median ratio log / raw write+force = %.2f "
                        + "(min %.2f, max %.2f, %d pairs of %.1f s)%n", size, median(toPageCache), toPageCache[0],
                        toPageCache[toPageCache.length - 1], pairs, seconds);
            } else {
                double[] toForced = rows.stream().mapToDouble(r -> r[1] / r[2]).sorted().toArray();
                System.out.printf(Locale.ROOT, "%s 1 thread, %d B: median ratio log / raw page cache = %.2f "
                                + "(min %.2f, max %.2f); log / raw forced every 64 MiB = %.2f (min %.2f, max %.2f); "
                                + "%d pairs of %.1f s%n", mode, size, median(toPageCache), toPageCache[0],
                        toPageCache[toPageCache.length - 1], median(toForced), toForced[0],
                        toForced[toForced.length - 1], pairs, seconds);
            }
        }
    }

    private static double mb(double opsPerSecond, int size) {
        return opsPerSecond * size / 1e6;
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** @return operations per second of {@code step} run for about {@code nanos} */
    private static double measure(Step step, long nanos) throws IOException {
        long start = System.nanoTime();
        long end = start + nanos;
        long ops = 0;
        long now;
        do {
            step.run();
            ops++;
            now = System.nanoTime();
        } while (now < end);
        return ops / ((now - start) / 1e9);
    }

    private static FileChannel preallocated(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        for (long pos = 0; pos < FILE_BYTES; pos += zeros.capacity()) {
            zeros.clear();
            while (zeros.hasRemaining()) {
                ch.write(zeros, pos + zeros.position());
            }
        }
        ch.force(true);
        return ch;
    }

    @FunctionalInterface
    private interface Step {
        void run() throws IOException;
    }

    /** Record-sized writes at increasing offsets of a preallocated file, wrapping at its end. */
    private static final class Raw {
        private final FileChannel ch;
        private final ByteBuffer record;
        private long pos;
        private long sinceForce;

        Raw(FileChannel ch, int size) {
            this.ch = ch;
            byte[] b = new byte[size];
            Arrays.fill(b, (byte) 0x5a);
            this.record = ByteBuffer.allocateDirect(size).put(b).flip();
        }

        /** One write; a {@code force(false)} after every {@code forceEvery} writes (0: never). */
        void step(long forceEvery) throws IOException {
            if (pos + record.capacity() > FILE_BYTES) {
                pos = 0;
            }
            record.clear();
            while (record.hasRemaining()) {
                pos += ch.write(record, pos);
            }
            if (forceEvery > 0 && ++sinceForce >= forceEvery) {
                ch.force(false);
                sinceForce = 0;
            }
        }
    }

    /** Appends of one record size, truncating every 32 MiB. */
    private static final class Wal {
        private final WriteAheadLog log;
        private final byte[] record;
        private final long perTruncation;

        Wal(WriteAheadLog log, int size) {
            this.log = log;
            this.record = new byte[size];
            Arrays.fill(record, (byte) 0x5a);
            this.perTruncation = Math.max(1, (32L << 20) / size);
        }

        void step() {
            long lsn = log.append(record);
            if (lsn % perTruncation == 0) {
                log.truncateBefore(lsn);
            }
        }
    }
}
