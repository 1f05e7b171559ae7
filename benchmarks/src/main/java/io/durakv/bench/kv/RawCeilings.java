package io.durakv.bench.kv;

import io.durakv.bench.BenchFiles;
import io.durakv.bench.PreallocatedFile;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The disk's own limits, measured in the same run as the engines with a plain {@link java.nio.channels.FileChannel}
 * (through {@link PreallocatedFile}): what any engine's SYNC writes and bulk writes are bounded by.
 */
final class RawCeilings {

    /**
     * One raw figure.
     *
     * @param name        "raw-force" or "raw-seqwrite"
     * @param description what one operation is
     * @param ops         operations
     * @param seconds     wall time
     * @param bytesPerSec bytes written per second, forces included
     * @param p50Nanos    median latency of one operation
     * @param p99Nanos    99th percentile
     * @param p999Nanos   99.9th percentile
     */
    record Ceiling(String name, String description, long ops, double seconds, double bytesPerSec, long p50Nanos,
                   long p99Nanos, long p999Nanos) {
        double opsPerSec() {
            return seconds <= 0 ? 0 : ops / seconds;
        }
    }

    private RawCeilings() {
    }

    /**
     * A {@code force(false)} after every {@code recordBytes} write, {@code ops} times, into a zero-filled 64 MiB
     * file: the raw force rate, the ceiling of one SYNC writer.
     */
    static Ceiling force(Path dir, int recordBytes, long ops) {
        return measure(dir, "raw-force", "one " + recordBytes + " B FileChannel write + force(false) on a"
                + " preallocated 64 MiB file", 64L << 20, recordBytes, ops, 1);
    }

    /**
     * Sequential 4 KiB writes over a zero-filled file of {@code fileBytes}, forced once at the end (the force is in
     * the wall time, not in the per-write latencies): the bandwidth the device sustains for bulk writes.
     */
    static Ceiling sequential(Path dir, long fileBytes) {
        long ops = fileBytes / 4096;
        return measure(dir, "raw-seqwrite", "4 KiB sequential FileChannel writes over a preallocated "
                + (fileBytes >> 20) + " MiB file, one force at the end", fileBytes, 4096, ops, ops);
    }

    private static Ceiling measure(Path dir, String name, String description, long fileBytes, int recordBytes,
                                   long ops, long forceEvery) {
        Path sub = dir.resolve(name);
        try {
            Files.createDirectories(sub);
            Histogram h = new Histogram(3_600_000_000_000L, 3);
            long start;
            long nanos;
            try (PreallocatedFile file = new PreallocatedFile(sub.resolve("raw.dat"), fileBytes, recordBytes)) {
                start = System.nanoTime();
                for (long i = 1; i <= ops; i++) {
                    long t0 = System.nanoTime();
                    file.writeRecord();
                    if (forceEvery == 1) {
                        file.force();
                    }
                    h.recordValue(System.nanoTime() - t0);
                }
                if (forceEvery != 1) {
                    file.force();
                }
                nanos = System.nanoTime() - start;
            }
            double seconds = nanos / 1e9;
            return new Ceiling(name, description, ops, seconds, ops * (double) recordBytes / seconds,
                    h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9));
        } catch (IOException e) {
            throw new UncheckedIOException("raw ceiling " + name + " failed: " + e, e);
        } finally {
            BenchFiles.deleteTree(sub);
        }
    }
}
