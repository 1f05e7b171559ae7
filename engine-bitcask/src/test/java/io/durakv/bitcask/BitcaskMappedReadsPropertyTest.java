package io.durakv.bitcask;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import io.durakv.api.testkit.MappedLogCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code wal.mappedReads}: unset, values that miss the cache are read out of the data files through read mappings
 * (Java 22+; {@code /proc/self/maps}); false, through read calls, and nothing of the store is mapped. SYNC, so that
 * no write mapping of the active file shows either.
 */
class BitcaskMappedReadsPropertyTest {

    private static final Path MAPS = Path.of("/proc/self/maps");

    @TempDir
    Path dir;

    @Test
    void walMappedReadsTurnsTheReadMappingsOnAndOff() throws IOException {
        assumeTrue(Files.isReadable(MAPS), "needs Linux's /proc/self/maps");
        assumeTrue(LocalDisk.mapsReads(), "this JVM gets no read mappings (Java 17-21)");
        for (boolean mapped : new boolean[] {true, false}) {
            Path storeDir = dir.resolve("mapped-" + mapped);
            StoreOptions.Builder b = StoreOptions.builder().syncMode(SyncMode.SYNC)
                    .property("bitcask.cacheBytes", "0").property("bitcask.fileBytes", "65536");
            if (!mapped) {
                b.property("wal.mappedReads", "false");
            }
            try (KeyValueStore store = new BitcaskEngine().open(storeDir, b.build())) {
                for (int i = 0; i < 200; i++) {
                    store.put(key(i), value(i));
                }
                for (int i = 0; i < 200; i++) {
                    assertThat(store.get(key(i))).isEqualTo(value(i));
                }
                List<String> files = MappedLogCheck.mappedFilesUnder(storeDir);
                if (mapped) {
                    assertThat(files).as("data files of %s mapped with wal.mappedReads unset", storeDir)
                            .hasSizeGreaterThan(1);
                } else {
                    assertThat(files).as("files of %s mapped with wal.mappedReads=false", storeDir).isEmpty();
                }
            }
            assertThat(MappedLogCheck.mappedFilesUnder(storeDir)).as("close releases every mapping").isEmpty();
        }
    }

    private static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int i) {
        return ("value-" + i + "-" + "x".repeat(500)).getBytes(StandardCharsets.UTF_8);
    }
}
