package io.durakv.api.testkit;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Checks an engine's {@code wal.mappedWrites} property end to end: a NONE store on the local disk has its log file
 * mapped into this process (Linux's {@code /proc/self/maps}) with the property unset, and none with it false. Skipped
 * where this JVM does not map files ({@link LocalDisk#mapsFiles()}) or there is no {@code /proc/self/maps}.
 */
public final class MappedLogCheck {

    private MappedLogCheck() {
    }

    /**
     * @param factory  opens the engine
     * @param dir      an empty directory on the local disk
     * @param property the engine's properties besides {@code wal.mappedWrites} (e.g. a small segment size)
     */
    public static void propertyTurnsMappedLogWritesOnAndOff(StoreFactory factory, Path dir,
                                                            java.util.Map<String, String> property) throws IOException {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "needs Linux's /proc/self/maps");
        assumeTrue(LocalDisk.mapsFiles(), "this JVM does not map files (Java 17)");
        for (boolean mapped : new boolean[]{true, false}) {
            Path storeDir = dir.resolve("mapped-" + mapped);
            StoreOptions.Builder b = StoreOptions.builder().syncMode(SyncMode.NONE);
            property.forEach(b::property);
            if (!mapped) {
                b.property("wal.mappedWrites", "false");
            }
            try (KeyValueStore store = factory.open(storeDir, b.build())) {
                store.put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
                List<String> files = mappedFilesUnder(maps, storeDir);
                if (mapped) {
                    assertThat(files).as("files of %s mapped with wal.mappedWrites unset", storeDir).isNotEmpty();
                } else {
                    assertThat(files).as("files of %s mapped with wal.mappedWrites=false", storeDir).isEmpty();
                }
            }
        }
    }

    /**
     * @return the files under {@code dir} that this process has mapped now (Linux's {@code /proc/self/maps}, which the
     * caller checked is readable), each once
     */
    public static List<String> mappedFilesUnder(Path dir) throws IOException {
        return mappedFilesUnder(Path.of("/proc/self/maps"), dir);
    }

    private static List<String> mappedFilesUnder(Path maps, Path dir) throws IOException {
        String root = dir.toRealPath().toString() + "/";
        return Files.readAllLines(maps).stream().map(line -> line.substring(line.lastIndexOf(' ') + 1))
                .filter(path -> path.startsWith(root)).distinct().collect(Collectors.toList());
    }
}
