package io.durakv.btree;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.durakv.btree.Stores.DIR;
import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** Overflow values, free-space reuse, node merges and snapshot safety of reused pages. */
class SpaceAndValuesTest {

    private final SimulatedDisk disk = new SimulatedDisk();

    private long fileSize() throws IOException {
        return disk.content(DIR.resolve(BTreeFormat.DATA_FILE)).length;
    }

    @Test
    void overflowValuesRoundtripAcrossCheckpointAndReopen() {
        int page = 1024;
        int inlineMax = BTreeFormat.maxEntryBytes(page) - BTreeFormat.LEAF_ENTRY_OVERHEAD - 3;
        int chunk = BTreeFormat.overflowCapacity(page);
        int[] sizes = {0, 1, inlineMax, inlineMax + 1, chunk, chunk + 1, 5000, 1 << 20,
                BTreeEngine.MAX_VALUE_BYTES};
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024")) {
            for (int i = 0; i < sizes.length; i++) {
                s.put(bytes("k" + i), Stores.filled(sizes[i], i));
                assertThat(s.get(bytes("k" + i))).as("before checkpoint, size " + sizes[i])
                        .isEqualTo(Stores.filled(sizes[i], i));
            }
            s.checkpointNow();
            s.verify();
            for (int i = 0; i < sizes.length; i++) {
                assertThat(s.get(bytes("k" + i))).as("after checkpoint, size " + sizes[i])
                        .isEqualTo(Stores.filled(sizes[i], i));
            }
            s.put(bytes("k6"), bytes("small now")); // drops a chain
            s.delete(bytes("k7"));                 // drops another
        }
        try (BTreeStore s = Stores.open(disk, DIR)) {
            s.verify();
            for (int i = 0; i < sizes.length; i++) {
                byte[] expected = i == 6 ? bytes("small now") : i == 7 ? null : Stores.filled(sizes[i], i);
                assertThat(s.get(bytes("k" + i))).as("after reopen, size " + sizes[i]).isEqualTo(expected);
            }
            try (KeyValueIterator it = s.scan(null, null)) {
                int n = 0;
                while (it.hasNext()) {
                    KeyValue kv = it.next();
                    assertThat(kv.value()).isEqualTo(s.get(kv.key()));
                    n++;
                }
                assertThat(n).isEqualTo(sizes.length - 1);
            }
        }
    }

    @Test
    void anExistingStoreKeepsThePageSizeItWasCreatedWith() {
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024")) {
            s.put(bytes("a"), bytes("1"));
            assertThat(s.maxKeyBytes()).isEqualTo(238);
        }
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "8192")) {
            assertThat(s.maxKeyBytes()).isEqualTo(238);
            assertThat(s.get(bytes("a"))).isEqualTo(bytes("1"));
            s.verify();
        }
    }

    @Test
    void fileStaysWithinTwiceItsSizeUnderOverwriteChurn() throws IOException {
        int keys = 2000;
        long afterFirst = 0;
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024", "btree.checkpointBytes", "65536")) {
            for (int pass = 0; pass < 10; pass++) {
                for (int i = 0; i < keys; i++) {
                    s.put(bytes(String.format("key-%06d", (i * 7919) % keys)), Stores.filled(100 + (i % 50), pass));
                }
                s.checkpointNow();
                if (pass == 0) {
                    afterFirst = fileSize();
                }
            }
            s.verify();
            assertThat(fileSize()).as("after 10 passes vs %d after the first", afterFirst)
                    .isLessThanOrEqualTo(2 * afterFirst);
        }
    }

    @Test
    void deletingEverythingReclaimsThePagesAndMergesNodes() throws IOException {
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024", "btree.checkpointBytes", "20000")) {
            for (int i = 0; i < 3000; i++) {
                s.put(bytes(String.format("key-%06d", i)), Stores.filled(60, i));
            }
            s.checkpointNow();
            int full = Stores.header(disk, DIR).pageCount();
            // Delete most keys in a scattered order: leaves empty out or fall under a quarter and merge.
            for (int i = 0; i < 3000; i++) {
                if (i % 50 != 0) {
                    s.delete(bytes(String.format("key-%06d", (i * 7) % 3000)));
                }
            }
            s.checkpointNow();
            s.checkpointNow(); // pages freed by the first become reusable; the second frees the first's
            s.verify();
            Header h = Stores.header(disk, DIR);
            int reachable = h.pageCount() - BTreeFormat.FIRST_DATA_PAGE - h.freeCount();
            assertThat(h.keyCount()).isEqualTo(60);
            assertThat(reachable).as("pages in use for 60 keys, of %d", full).isLessThan(full / 10);
            int afterDeletes = h.pageCount();
            for (int i = 0; i < 3000; i++) {
                s.put(bytes(String.format("key-%06d", i)), Stores.filled(60, i));
            }
            s.checkpointNow();
            s.verify();
            assertThat(Stores.header(disk, DIR).pageCount()).as("refilling reuses the freed pages")
                    .isLessThanOrEqualTo(afterDeletes);
        }
    }

    @Test
    void openScanKeepsItsSnapshotWhileWritersCheckpointAndReusePages() {
        // A tiny cache, so that the scan must read evicted pages back from disk; pages its snapshot needs must not
        // have been reused in between.
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024", "btree.checkpointBytes", "4096",
                "btree.cacheBytes", "65536")) {
            Random rnd = new Random(7);
            TreeMap<String, byte[]> model = new TreeMap<>();
            for (int i = 0; i < 2000; i++) {
                String k = String.format("key-%05d", rnd.nextInt(1500));
                byte[] v = Stores.filled(rnd.nextInt(3) == 0 ? 1500 : 40, i);
                s.put(bytes(k), v);
                model.put(k, v);
            }
            Map<String, byte[]> snapshot = new TreeMap<>(model);
            List<KeyValue> seen = new ArrayList<>();
            try (KeyValueIterator it = s.scan(null, null)) {
                for (int round = 0; round < 20; round++) {
                    for (int i = 0; i < 300; i++) {
                        String k = String.format("key-%05d", rnd.nextInt(1500));
                        if (rnd.nextInt(4) == 0) {
                            s.delete(bytes(k));
                        } else {
                            s.put(bytes(k), Stores.filled(rnd.nextInt(3) == 0 ? 1500 : 40, -i));
                        }
                    }
                    s.checkpointNow();
                    for (int i = 0; i < 50 && it.hasNext(); i++) {
                        seen.add(it.next());
                    }
                }
                it.forEachRemaining(seen::add);
            }
            assertThat(seen).hasSize(snapshot.size());
            int i = 0;
            for (Map.Entry<String, byte[]> e : snapshot.entrySet()) {
                assertThat(new String(seen.get(i).key())).isEqualTo(e.getKey());
                assertThat(Arrays.equals(seen.get(i).value(), e.getValue())).as(e.getKey()).isTrue();
                i++;
            }
            s.verify();
            assertThat(s.pool().size()).as("cache within its budget").isLessThanOrEqualTo(65536 / 1024 + 1);
        }
    }
}
