package io.durakv.lsm;

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
 * {@code lsm.mappedReads}: unset, SSTables are read through read mappings (Java 22+; {@code /proc/self/maps}); false,
 * through read calls, and no table is mapped.
 */
class LsmMappedReadsPropertyTest {

    private static final Path MAPS = Path.of("/proc/self/maps");

    @TempDir
    Path dir;

    @Test
    void lsmMappedReadsTurnsTheTableMappingsOnAndOff() throws IOException {
        assumeTrue(Files.isReadable(MAPS), "needs Linux's /proc/self/maps");
        assumeTrue(LocalDisk.mapsReads(), "this JVM gets no read mappings (Java 17-21)");
        for (boolean mapped : new boolean[] {true, false}) {
            Path storeDir = dir.resolve("mapped-" + mapped);
            StoreOptions.Builder b = StoreOptions.builder().syncMode(SyncMode.NONE)
                    .property("lsm.memtableBytes", "65536").property("lsm.blockCacheBytes", "0")
                    .property("lsm.closeFlushBytes", "0");
            if (!mapped) {
                b.property("lsm.mappedReads", "false");
            }
            StoreOptions options = b.build();
            try (KeyValueStore store = new LsmEngine().open(storeDir, options)) {
                for (int i = 0; i < 3000; i++) {
                    store.put(key(i), value(i));
                }
            }
            try (KeyValueStore store = new LsmEngine().open(storeDir, options)) {
                for (int i = 0; i < 3000; i += 7) {
                    assertThat(store.get(key(i))).isEqualTo(value(i));
                }
                List<String> tables = tablesMappedUnder(storeDir);
                if (mapped) {
                    assertThat(tables).as("tables of %s mapped with lsm.mappedReads unset", storeDir).isNotEmpty();
                } else {
                    assertThat(tables).as("tables of %s mapped with lsm.mappedReads=false", storeDir).isEmpty();
                }
            }
            assertThat(tablesMappedUnder(storeDir)).as("close releases every mapping").isEmpty();
        }
    }

    private static byte[] key(int i) {
        return String.format("key-%08d", i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int i) {
        return ("value-" + i + "-" + "x".repeat(100)).getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> tablesMappedUnder(Path storeDir) throws IOException {
        return MappedLogCheck.mappedFilesUnder(storeDir).stream().filter(p -> p.endsWith(LsmFormat.SST_SUFFIX))
                .collect(Collectors.toList());
    }
}
