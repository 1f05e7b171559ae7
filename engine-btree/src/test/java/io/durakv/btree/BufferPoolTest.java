package io.durakv.btree;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static io.durakv.btree.Stores.DIR;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The buffer pool's page table and eviction, through a store whose tree is many times its cache: page ids past the
 * table's first size, random reads that evict all the time, and internal nodes that stay cached while leaves stream
 * through.
 */
class BufferPoolTest {

    private static final int KEYS = 30_000;
    private static final int BUDGET = 256 << 10;
    private static final int PAGE = 1024;

    private final SimulatedDisk disk = new SimulatedDisk();

    private static byte[] key(int i) {
        return Stores.bytes(String.format("k%08d", i));
    }

    private static byte[] value(int i) {
        return Stores.filled(40, i);
    }

    private BTreeStore open() {
        return Stores.open(disk, DIR, "btree.pageBytes", String.valueOf(PAGE), "btree.cacheBytes",
                String.valueOf(BUDGET));
    }

    /** Writes {@link #KEYS} keys in random order and closes the store (a checkpoint: every node clean). */
    private void load() {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(3));
        try (BTreeStore s = open()) {
            for (int i = 0; i < KEYS; i += 500) {
                WriteBatch b = new WriteBatch();
                for (int k = i; k < i + 500; k++) {
                    b.put(key(order.get(k)), value(order.get(k)));
                }
                s.write(b);
            }
        }
    }

    @Test
    void aFullScanHandsOutArraysOfItsOwnAndLeavesTheCachedLeavesCached() throws java.io.IOException {
        load();
        try (BTreeStore s = open()) {
            Random r = new Random(4);
            for (int i = 0; i < 2000; i++) {
                s.get(key(r.nextInt(KEYS)));
            }
            List<Integer> cachedBefore = new ArrayList<>();
            for (int id = 0; id < s.pool().file().size() / PAGE; id++) {
                if (s.pool().cached(id)) {
                    cachedBefore.add(id);
                }
            }
            assertThat(cachedBefore.size()).isGreaterThan(BUDGET / PAGE / 2);
            for (int round = 0; round < 2; round++) {
                int i = 0;
                try (KeyValueIterator it = s.scan(null, null)) {
                    while (it.hasNext()) {
                        KeyValue kv = it.next();
                        assertThat(kv.key()).as("entry %d, round %d", i, round).isEqualTo(key(i));
                        assertThat(kv.value()).as("entry %d, round %d", i, round).isEqualTo(value(i));
                        // The arrays belong to the caller: scribbling on them changes nothing in the store.
                        java.util.Arrays.fill(kv.key(), (byte) 0);
                        java.util.Arrays.fill(kv.value(), (byte) 0);
                        i++;
                    }
                }
                assertThat(i).isEqualTo(KEYS);
            }
            for (int id : cachedBefore) {
                assertThat(s.pool().cached(id)).as("page %d, cached before the scans", id).isTrue();
            }
            for (int i = 0; i < KEYS; i += 7) {
                assertThat(s.get(key(i))).isEqualTo(value(i));
            }
            s.verify();
        }
    }

    @Test
    void randomReadsOfATreeManyTimesTheCacheReturnEveryValueWithinTheBudget() throws java.io.IOException {
        load();
        try (BTreeStore s = open()) {
            Random r = new Random(9);
            int maxId = 0;
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < KEYS; i++) {
                    int k = r.nextInt(KEYS + KEYS / 10);
                    byte[] v = s.get(key(k));
                    if (k < KEYS) {
                        assertThat(v).as("key %d", k).isEqualTo(value(k));
                    } else {
                        assertThat(v).as("absent key %d", k).isNull();
                    }
                }
                // Within the budget, counting each entry's memory estimate (Node.memoryBytes, LeafPage.memoryBytes).
                assertThat(s.pool().bytes()).as("cache within its budget").isLessThanOrEqualTo(BUDGET);
                assertThat(s.pool().bytes()).as("cache used").isGreaterThan(BUDGET / 2);
                // Every internal node below the root is still cached: leaves were evicted before them.
                Node root = s.root();
                int internal = 0;
                assertThat(root.isLeaf()).isFalse();
                for (int c = 0; c < root.slotCount(); c++) {
                    int id = (Integer) root.slot(c);
                    maxId = Math.max(maxId, id);
                    boolean wasCached = s.pool().cached(id);
                    if (!s.pool().node(id).isLeaf()) {
                        internal++;
                        assertThat(wasCached).as("internal node on page %d", id).isTrue();
                    }
                }
                assertThat(internal).as("a tree of three levels or more").isGreaterThan(1);
            }
            assertThat(s.pool().file().size() / PAGE).as("pages: ids past the table's first 1024").isGreaterThan(1024);
            s.verify();
        }
    }
}
