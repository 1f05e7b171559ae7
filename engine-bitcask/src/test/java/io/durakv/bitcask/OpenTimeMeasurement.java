package io.durakv.bitcask;

import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.WriteBatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Measures how long opening a store of N keys (default 1 M: 16-byte keys, 100-byte values, 64 MiB data files) takes
 * on the local disk: with its hint files, and with every hint file deleted (rebuilt from the data files). Not a unit
 * test: run it by hand and record the figures in docs/formats/bitcask.md ("Open time"):
 *
 * <pre>
 * mvn -q -pl engine-bitcask -am test-compile
 * java -Xmx4g -cp engine-bitcask/target/test-classes:engine-bitcask/target/classes:engine-wal/target/classes:\
 * engine-api/target/classes:$(find ~/.m2 -name 'slf4j-api-*.jar' | head -1) \
 *     io.durakv.bitcask.OpenTimeMeasurement 1000000
 * </pre>
 */
public final class OpenTimeMeasurement {

    private OpenTimeMeasurement() {
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Files.createTempDirectory("bitcask-open-time");
        try {
            StoreOptions options = StoreOptions.builder().syncMode(SyncMode.NONE).build();
            long t0 = System.nanoTime();
            try (BitcaskStore s = BitcaskStore.open(dir, options)) {
                WriteBatch batch = new WriteBatch();
                byte[] value = new byte[100];
                for (int i = 0; i < n; i++) {
                    ByteBuffer.wrap(value).putInt(i);
                    batch.put(String.format("key-%012d", i).getBytes(), value);
                    if (batch.size() == 1000) {
                        s.write(batch);
                        batch.clear();
                    }
                }
                s.write(batch);
            }
            System.out.printf("loaded %d keys in %d ms%n", n, (System.nanoTime() - t0) / 1_000_000);
            for (int run = 0; run < 5; run++) {
                time("with hint files", dir, options, n);
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(p -> p.toString().endsWith(".hint")).toList()) {
                    Files.delete(p);
                }
            }
            time("hint files deleted (rebuilt from data, then written)", dir, options, n);
            for (int run = 0; run < 3; run++) {
                time("with the rebuilt hint files", dir, options, n);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void time(String what, Path dir, StoreOptions options, int n) {
        long t0 = System.nanoTime();
        try (BitcaskStore s = BitcaskStore.open(dir, options)) {
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (s.keyCount() != n) {
                throw new AssertionError("opened with " + s.keyCount() + " keys, not " + n);
            }
            System.out.printf("open %s: %d ms (%d segments, merge generation %d)%n", what, ms,
                    s.wal.segmentStarts().length, s.generation);
        }
    }
}
