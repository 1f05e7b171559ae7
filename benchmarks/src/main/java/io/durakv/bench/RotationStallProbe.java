package io.durakv.bench;

import io.durakv.api.SyncMode;
import io.durakv.wal.WalOptions;
import io.durakv.wal.WriteAheadLog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The stalls a young log's rotations put on the appender: appends of small records to a fresh log with the default
 * 64 MiB segments, counting the appends that took over 10 ms and the worst one. Before BATCH and NONE made a spare
 * segment file in the background, each rotation zero-filled a new segment while an appender waited.
 *
 * <p>Usage: {@code java -cp durakv-bench.jar io.durakv.bench.RotationStallProbe BATCH|NONE APPENDS RECORD_BYTES DIR}.
 */
public final class RotationStallProbe {

    private RotationStallProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: RotationStallProbe BATCH|NONE APPENDS RECORD_BYTES DIR");
            System.exit(2);
        }
        SyncMode mode = SyncMode.valueOf(args[0]);
        long appends = Long.parseLong(args[1]);
        byte[] record = new byte[Integer.parseInt(args[2])];
        Path dir = Files.createTempDirectory(Path.of(args[3]), "rotation");
        try (WriteAheadLog log = WriteAheadLog.open(dir, WalOptions.builder().syncMode(mode).build())) {
            long started = System.nanoTime();
            long worst = 0;
            long stalls = 0;
            long stallNanos = 0;
            for (long i = 0; i < appends; i++) {
                long t = System.nanoTime();
                log.append(record);
                long took = System.nanoTime() - t;
                worst = Math.max(worst, took);
                if (took > 10_000_000) {
                    stalls++;
                    stallNanos += took;
                }
            }
            long total = System.nanoTime() - started;
            System.out.printf(Locale.ROOT, "%s: %,d appends of %d B in %.2f s; %d over 10 ms, %.2f s in all; worst %.1f ms;"
                    + " %d segments%n", mode, appends, record.length, total / 1e9, stalls, stallNanos / 1e9, worst / 1e6,
                    log.segmentStarts().length);
        } finally {
            BenchFiles.deleteTree(dir);
        }
    }
}
