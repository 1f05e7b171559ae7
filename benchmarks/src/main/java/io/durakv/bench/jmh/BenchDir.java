package io.durakv.bench.jmh;

import io.durakv.bench.BenchFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the JMH benchmarks put their files: a fresh directory per trial under {@code -Ddurakv.bench.dir} (default
 * {@code java.io.tmpdir}), deleted when the trial ends. Point the property at the disk you want measured: on a
 * tmpfs a force is nearly free and every "durable" figure is meaningless.
 */
final class BenchDir {

    /** The system property naming the parent directory of the benchmark files. */
    static final String PROPERTY = "durakv.bench.dir";

    private BenchDir() {
    }

    /** @return a new empty directory under the configured parent */
    static Path create(String prefix) {
        try {
            Path parent = Path.of(System.getProperty(PROPERTY, System.getProperty("java.io.tmpdir")));
            Files.createDirectories(parent);
            return Files.createTempDirectory(parent, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a benchmark directory: " + e, e);
        }
    }

    /** Deletes {@code dir} and everything in it; a missing directory is fine. */
    static void delete(Path dir) {
        BenchFiles.deleteTree(dir);
    }
}
