package io.durakv.btree;

import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review attacks on the read mappings of {@code btree.db} on the local disk (mapped on Java 22+, read calls on 17):
 * readers that miss a tiny buffer pool while checkpoints grow the file across many small chunks (a size that is not a
 * multiple of the page size, so chunks are rounded down), and a reopen of a file longer than its durable header says
 * (a checkpoint grew it by segments, then the process died before the header), whose tail lies across chunks.
 */
class BTreeMappedReadsReviewTest {

    private static final int KEYS = 1500;

    @TempDir
    Path dir;

    private BTreeStore open(String readMappingBytes) {
        return BTreeStore.open(dir, StoreOptions.builder().syncMode(SyncMode.NONE)
                .property("btree.pageBytes", "1024").property("btree.cacheBytes", "65536")
                .property("btree.checkpointBytes", "4096")
                .property("btree.readMappingBytes", readMappingBytes).build());
    }

    private static byte[] key(int i) {
        return String.format("k%07d", i).getBytes(StandardCharsets.UTF_8);
    }

    /** A value that names its key and round, so a reader can tell any right version from wrong data. */
    private static byte[] value(int i, int round) {
        byte[] v = new byte[(i % 7 == 0) ? 1800 : 40 + i % 50];
        new Random(i * 1_000_003L + round).nextBytes(v);
        ByteBuffer.wrap(v).putInt(i).putInt(round);
        return v;
    }

    private static void checkValue(int i, byte[] v) {
        assertThat(v).as("key %d", i).isNotNull();
        int round = ByteBuffer.wrap(v).getInt(4);
        assertThat(v).as("key %d round %d", i, round).isEqualTo(value(i, round));
    }

    @Test
    void readersMissingThePoolWhileCheckpointsGrowTheFileAcrossSmallChunksReadRightValues() throws Exception {
        try (BTreeStore s = open("3500")) { // chunks of 3 pages, rounded down from 3.4
            for (int i = 0; i < KEYS; i++) {
                s.put(key(i), value(i, 0));
            }
            s.checkpointNow();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int seed = t;
                Thread reader = new Thread(() -> {
                    Random r = new Random(seed);
                    try {
                        while (!stop.get()) {
                            int i = r.nextInt(KEYS);
                            checkValue(i, s.get(key(i)));
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                reader.start();
                readers.add(reader);
            }
            Random r = new Random(42);
            long before = java.nio.file.Files.size(dir.resolve(BTreeFormat.DATA_FILE));
            for (int round = 1; round <= 6 && failure.get() == null; round++) {
                for (int n = 0; n < KEYS; n++) {
                    int i = r.nextInt(KEYS);
                    s.put(key(i), value(i, round));
                }
                s.checkpointNow();
            }
            stop.set(true);
            for (Thread reader : readers) {
                reader.join(30_000);
                assertThat(reader.isAlive()).isFalse();
            }
            assertThat(failure.get()).isNull();
            Path db = dir.resolve(BTreeFormat.DATA_FILE);
            if (LocalDisk.mapsReads()) { // Java 22+: the reads above went through many 3-page mappings
                String name = db.toRealPath().toString();
                long maps = java.nio.file.Files.readAllLines(Path.of("/proc/self/maps")).stream()
                        .filter(line -> line.endsWith(" " + name)).count();
                assertThat(maps).as("read mappings of btree.db").isGreaterThan(3);
            }
            assertThat(java.nio.file.Files.size(db)).as("the file grew across chunks")
                    .isGreaterThan(before + 3 * 3 * 1024);
            s.verify();
            for (int i = 0; i < KEYS; i++) {
                checkValue(i, s.get(key(i)));
            }
        }
    }

    @Test
    void aFileLongerThanItsDurableHeaderSaysReopensAndItsTailIsReused() throws IOException {
        byte[][] latest = new byte[KEYS][];
        try (BTreeStore s = open("4096")) {
            for (int i = 0; i < KEYS; i++) {
                latest[i] = value(i, 0);
                s.put(key(i), latest[i]);
            }
            s.checkpointNow();
        }
        Path db = dir.resolve(BTreeFormat.DATA_FILE);
        // Pages past the header's page count: what a checkpoint that grew the file and died before its header leaves
        // (stamped garbage: a later generation, ids that look right, across several 4-page chunks).
        try (FileChannel ch = FileChannel.open(db, StandardOpenOption.WRITE)) {
            long end = ch.size();
            assertThat(end % 1024).isZero();
            Random r = new Random(7);
            for (int p = 0; p < 3 * FreeSpace.SEGMENT_PAGES + 5; p++) {
                byte[] junk = new byte[1024];
                r.nextBytes(junk);
                ByteBuffer b = ByteBuffer.wrap(junk);
                b.putInt(BTreeFormat.P_PAGE_ID, (int) (end / 1024) + p);
                ch.write(b.clear(), end + p * 1024L);
            }
        }
        for (int reopen = 1; reopen <= 3; reopen++) {
            try (BTreeStore s = open("4096")) {
                s.verify();
                for (int i = 0; i < KEYS; i++) {
                    assertThat(s.get(key(i))).as("reopen %d key %d", reopen, i).isEqualTo(latest[i]);
                }
                Random r = new Random(reopen);
                for (int n = 0; n < KEYS; n++) {
                    int i = r.nextInt(KEYS);
                    latest[i] = value(i, reopen);
                    s.put(key(i), latest[i]);
                }
                s.checkpointNow();
                s.verify();
                for (int i = 0; i < KEYS; i++) {
                    assertThat(s.get(key(i))).as("reopen %d key %d after checkpoint", reopen, i)
                            .isEqualTo(latest[i]);
                }
            }
        }
    }
}
