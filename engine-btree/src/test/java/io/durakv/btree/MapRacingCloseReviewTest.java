package io.durakv.btree;

import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review attack on mapping chunks while the store closes: with one-page read mappings and a cold buffer pool nearly
 * every read maps a new chunk ({@code PageFile.mapChunk}), so closes land inside mapping. Every read gets its value
 * or a {@link StoreException}, never wrong data, and after close no mapping of {@code btree.db} is left in the
 * process (Java 22+, where reads are mapped; elsewhere the same code reads through the file handle).
 */
class MapRacingCloseReviewTest {

    private static final int KEYS = 3000;

    @TempDir
    Path dir;

    private BTreeStore open() {
        return BTreeStore.open(dir, StoreOptions.builder().syncMode(SyncMode.NONE)
                .property("btree.pageBytes", "1024").property("btree.cacheBytes", "65536")
                .property("btree.readMappingBytes", "1024").build());
    }

    private static byte[] key(int i) {
        return ("key-" + i).getBytes();
    }

    private static byte[] value(int i) {
        byte[] v = new byte[20 + i % 90];
        new Random(i).nextBytes(v);
        return v;
    }

    private long mappings() throws Exception {
        String name = dir.resolve(BTreeFormat.DATA_FILE).toRealPath().toString();
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.endsWith(" " + name)).count();
    }

    @Test
    void readsMappingChunksWhileTheStoreClosesGetTheirValueOrAnErrorAndLeaveNoMapping() throws Exception {
        try (BTreeStore s = open()) {
            for (int i = 0; i < KEYS; i++) {
                s.put(key(i), value(i));
            }
            s.checkpointNow();
        }
        for (int attempt = 0; attempt < 8; attempt++) {
            BTreeStore s = open();
            AtomicReference<Throwable> wrong = new AtomicReference<>();
            AtomicInteger reads = new AtomicInteger();
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int seed = attempt * 10 + t;
                Thread reader = new Thread(() -> BTreeMappedReadsTest.readUntilClosed(s, new Random(seed), KEYS,
                        MapRacingCloseReviewTest::key, MapRacingCloseReviewTest::value, reads, wrong));
                reader.start();
                readers.add(reader);
            }
            while (reads.get() < 20 * (attempt + 1)) {
                Thread.onSpinWait();
            }
            if (LocalDisk.mapsReads()) {
                assertThat(mappings()).as("one-page chunks mapped while reading").isPositive();
            }
            s.close();
            for (Thread reader : readers) {
                reader.join(10_000);
                assertThat(reader.isAlive()).isFalse();
            }
            assertThat(wrong.get()).isNull();
            assertThat(mappings()).as("mappings left after close, attempt %d", attempt).isZero();
        }
    }
}
