package io.durakv.bitcask;

import io.durakv.api.CorruptionException;
import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.durakv.bitcask.Stores.DIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Long scans read values ahead in file order ({@link ScanPrefetch}): from several log segments, batch records and a
 * merged data file, they return exactly what one-by-one reads would, and a damaged record is still a
 * {@link CorruptionException}, never data.
 */
class ScanPrefetchTest {

    private static final int KEYS = 3000;

    private static byte[] key(int i) {
        return String.format("k%06d", i).getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, byte[]> fill(BitcaskStore s, Random random, int round, Map<String, byte[]> model) {
        for (int n = 0; n < KEYS; n++) {
            int i = random.nextInt(KEYS);
            byte[] v = Stores.value(i, round, 20 + random.nextInt(60));
            if (random.nextInt(10) == 0) {
                s.delete(key(i));
                model.remove(new String(key(i), StandardCharsets.UTF_8));
            } else if (random.nextInt(10) == 0) {
                WriteBatch b = new WriteBatch().put(key(i), v).put(key((i + 1) % KEYS), v);
                s.write(b);
                model.put(new String(key(i), StandardCharsets.UTF_8), v);
                model.put(new String(key((i + 1) % KEYS), StandardCharsets.UTF_8), v);
            } else {
                s.put(key(i), v);
                model.put(new String(key(i), StandardCharsets.UTF_8), v);
            }
        }
        return model;
    }

    private static void assertScan(BitcaskStore s, Map<String, byte[]> model, byte[] from, byte[] to) {
        Map<String, byte[]> expected = new TreeMap<>(model);
        if (from != null) {
            expected.keySet().removeIf(k -> k.compareTo(new String(from, StandardCharsets.UTF_8)) < 0);
        }
        if (to != null) {
            expected.keySet().removeIf(k -> k.compareTo(new String(to, StandardCharsets.UTF_8)) >= 0);
        }
        try (KeyValueIterator it = s.scan(from, to)) {
            for (Map.Entry<String, byte[]> e : expected.entrySet()) {
                assertThat(it.hasNext()).isTrue();
                KeyValue kv = it.next();
                assertThat(new String(kv.key(), StandardCharsets.UTF_8)).isEqualTo(e.getKey());
                assertThat(kv.value()).as(e.getKey()).isEqualTo(e.getValue());
            }
            assertThat(it.hasNext()).isFalse();
        }
    }

    @Test
    void longScansOverSegmentsBatchesAndMergedFilesReturnWhatPointReadsDo() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Random random = new Random(11);
        Map<String, byte[]> model = new TreeMap<>();
        try (BitcaskStore s = Stores.open(disk)) {
            fill(s, random, 1, model);
            s.mergeNow();
            assertScan(s, model, null, null); // every value in the merged data file
            fill(s, random, 2, model);
            assertThat(s.segments.size()).as("several log segments").isGreaterThan(2);
            assertScan(s, model, null, null);
            assertScan(s, model, key(700), key(2600));
            assertScan(s, model, key(2500), null);
        }
        try (BitcaskStore s = Stores.open(disk)) {
            assertScan(s, model, null, null);
            assertThat(s.keyCount()).isGreaterThan(ScanIterator.PREFETCH_MIN_KEYS);
        }
    }

    @Test
    void aDamagedRecordFailsTheScanInsteadOfReturningData() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Map<String, byte[]> model = new TreeMap<>();
        try (BitcaskStore s = Stores.open(disk)) {
            fill(s, new Random(5), 1, model);
        }
        Path data = DIR.resolve(BitcaskFormat.DATA_DIR);
        // The first data file is sealed and covered by its hint file, so reopening does not read it.
        Path first = data.resolve(disk.list(data).stream().filter(n -> n.endsWith(".log")).sorted().findFirst()
                .orElseThrow());
        byte[] content = new byte[4096];
        try (DiskFile f = disk.open(first, OpenMode.READ_WRITE)) {
            f.readFully(0, ByteBuffer.wrap(content));
            int at = 2000;
            content[at] ^= 0x5A;
            f.write(at, ByteBuffer.wrap(content, at, 1));
        }
        try (BitcaskStore s = Stores.open(disk)) {
            assertThatThrownBy(() -> {
                try (KeyValueIterator it = s.scan(null, null)) {
                    while (it.hasNext()) {
                        KeyValue kv = it.next();
                        assertThat(kv.value()).isEqualTo(model.get(new String(kv.key(), StandardCharsets.UTF_8)));
                    }
                }
            }).isInstanceOf(CorruptionException.class);
        }
    }
}
