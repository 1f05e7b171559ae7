package io.durakv.btree;

import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code btree.readMappingBytes}: pages that miss the buffer pool are read through read mappings of {@code btree.db},
 * one per chunk as the file reaches it, on the local disk. Where the disk maps reads (Java 22+, the mapped-writes
 * profile runs this class on Java 25) the chunks show in {@code /proc/self/maps} and are released at close; elsewhere
 * the same code reads through the file handle. Either way every value comes back right, while the file grows under
 * the mappings, and with the property 0 nothing is mapped.
 */
class BTreeMappedReadsTest {

    private static final Path MAPS = Path.of("/proc/self/maps");

    @TempDir
    Path dir;

    /** @return the number of mappings of {@code file} in this process */
    private static long mappings(Path file) throws IOException {
        String name = file.toRealPath().toString();
        return Files.readAllLines(MAPS).stream().filter(line -> line.endsWith(" " + name)).count();
    }

    private BTreeStore open(String readMappingBytes) {
        return BTreeStore.open(dir, StoreOptions.builder().syncMode(SyncMode.NONE)
                .property("btree.pageBytes", "1024").property("btree.cacheBytes", "65536")
                .property("btree.readMappingBytes", readMappingBytes).build());
    }

    private static byte[] key(int i) {
        return String.format("key-%08d", (i * 7919L) % 1_000_003).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int i, int round) {
        byte[] v = new byte[(i % 5 == 0) ? 1500 : 60]; // some beyond a 1 KiB page: overflow chains
        new Random(i * 31L + round).nextBytes(v);
        return v;
    }

    private static void checkAll(BTreeStore s, int count, int round) {
        Random r = new Random(count);
        for (int n = 0; n < 3 * count; n++) {
            int i = r.nextInt(count);
            assertThat(s.get(key(i))).as("key %d", i).isEqualTo(value(i, round));
        }
        assertThat(s.get("absent".getBytes(StandardCharsets.UTF_8))).isNull();
    }

    /** A disk whose mappings cannot be made (as when {@code mmap} is refused): pages are read by read calls. */
    @Test
    void aChunkWhoseMappingCannotBeMadeIsReadByReadCalls() {
        io.durakv.api.testkit.RefusedMappingsDisk noMaps = new io.durakv.api.testkit.RefusedMappingsDisk(LocalDisk.INSTANCE);
        try (BTreeStore s = BTreeStore.open(dir, StoreOptions.builder().syncMode(SyncMode.NONE).disk(noMaps)
                .property("btree.pageBytes", "1024").property("btree.cacheBytes", "65536")
                .property("btree.readMappingBytes", "16384").build())) {
            for (int i = 0; i < 3000; i++) {
                s.put(key(i), value(i, 0));
            }
            s.checkpointNow();
            checkAll(s, 3000, 0);
            checkAll(s, 3000, 0);
        }
        assertThat(noMaps.refused()).as("mappings were asked for, once per chunk").isPositive();
    }

    @Test
    void pagesAreReadThroughAMappingPerChunkWhileTheFileGrowsAndTheMappingsCloseWithTheStore() throws IOException {
        Path db = dir.resolve(BTreeFormat.DATA_FILE);
        boolean maps = LocalDisk.mapsReads();
        try (BTreeStore s = open("16384")) {
            for (int i = 0; i < 3000; i++) {
                s.put(key(i), value(i, 0));
            }
            s.checkpointNow();
            checkAll(s, 3000, 0);
            long first = mappings(db);
            if (maps) {
                assertThat(first).as("chunks of 16 KiB mapped").isGreaterThan(10);
            } else {
                assertThat(first).isZero();
            }
            // The file grows under the mappings: overwrites and new keys, checkpointed while reads go on.
            for (int i = 0; i < 6000; i++) {
                s.put(key(i), value(i, 1));
                if (i % 500 == 0) {
                    assertThat(s.get(key(i / 2))).isEqualTo(value(i / 2, 1)); // put earlier in this loop
                }
            }
            s.checkpointNow();
            checkAll(s, 6000, 1);
            s.verify();
            if (maps) {
                assertThat(mappings(db)).as("chunks the grown file reached").isGreaterThan(first);
            }
        }
        assertThat(mappings(db)).as("released at close").isZero();
        try (BTreeStore s = open("16384")) {
            checkAll(s, 6000, 1);
        }
    }

    @Test
    void zeroReadsWithReadCallsOnly() throws IOException {
        Path db = dir.resolve(BTreeFormat.DATA_FILE);
        try (BTreeStore s = open("0")) {
            for (int i = 0; i < 3000; i++) {
                s.put(key(i), value(i, 0));
            }
            s.checkpointNow();
            checkAll(s, 3000, 0);
            assertThat(mappings(db)).isZero();
        }
    }

    @Test
    void readsRacingCloseGetTheirValueOrAClosedStoreNeverWrongData() throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            BTreeStore s = open("16384");
            for (int i = 0; i < 2000; i++) {
                s.put(key(i), value(i, 0));
            }
            s.checkpointNow();
            AtomicReference<Throwable> wrong = new AtomicReference<>();
            AtomicInteger reads = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(2);
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int seed = t;
                Thread reader = new Thread(() -> {
                    started.countDown();
                    readUntilClosed(s, new Random(seed), 2000, BTreeMappedReadsTest::key, i -> value(i, 0), reads,
                            wrong);
                });
                reader.start();
                readers.add(reader);
            }
            started.await();
            while (reads.get() < 200) {
                Thread.onSpinWait();
            }
            s.close();
            for (Thread reader : readers) {
                reader.join(10_000);
                assertThat(reader.isAlive()).isFalse();
            }
            assertThat(wrong.get()).isNull();
            assertThat(mappings(dir.resolve(BTreeFormat.DATA_FILE))).isZero();
            deleteStore();
        }
    }

    private void deleteStore() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }

    /**
     * Reads random keys of {@code s} until the store closes under the reader: each read gets its value, a
     * {@link StoreClosedException}, or (a page read that ran into the close) a {@link StoreException} once the store
     * is closed; anything else — wrong data included — goes to {@code wrong}.
     */
    static void readUntilClosed(BTreeStore s, Random r, int keys, java.util.function.IntFunction<byte[]> key,
                                java.util.function.IntFunction<byte[]> value, AtomicInteger reads,
                                AtomicReference<Throwable> wrong) {
        while (true) {
            int i = r.nextInt(keys);
            try {
                byte[] v = s.get(key.apply(i));
                if (!java.util.Arrays.equals(v, value.apply(i))) {
                    wrong.set(new AssertionError("key " + i + " read wrong data"));
                    return;
                }
                reads.incrementAndGet();
            } catch (StoreClosedException e) {
                return;
            } catch (StoreException e) {
                // A page read that ran into the close: the file and its mappings are closed.
                if (!s.isClosed()) {
                    wrong.set(e);
                }
                return;
            } catch (Throwable e) {
                wrong.set(e);
                return;
            }
        }
    }
}
