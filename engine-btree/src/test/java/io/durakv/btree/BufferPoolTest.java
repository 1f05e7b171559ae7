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

    /** @return the page id of the leaf that holds {@code key}, reading internal nodes through the pool */
    private static int leafOf(BTreeStore s, byte[] key) {
        Node n = s.root();
        while (true) {
            Object child = n.slot(n.childIndex(key));
            int id = (Integer) child;
            Node c = s.pool().node(id);
            if (c.isLeaf()) {
                return id;
            }
            n = c;
        }
    }

    @Test
    void aLeafIsCachedOnItsSecondMissOnlyAndAFirstMissIsForgottenOnceTheHandPasses() {
        load();
        try (BTreeStore s = open()) {
            int k = KEYS / 2;
            int leaf = leafOf(s, key(k));
            Node decoded = s.pool().node(leaf);
            byte[] low = decoded.key(0);
            byte[] high = decoded.key(decoded.keyCount() - 1);
            assertThat(s.pool().cached(leaf)).isFalse();
            // First miss: searched in the page read, not cached.
            assertThat(s.get(key(k))).isEqualTo(value(k));
            assertThat(s.get(Stores.bytes(String.format("k%08d+", k)))).as("absent key in the leaf").isNull();
            assertThat(s.pool().cached(leaf)).as("cached after the second miss").isTrue();
            assertThat(s.get(key(k))).isEqualTo(value(k));

            // Another leaf: missed once, then the hand passes its page id many times (random reads of other leaves
            // keep evicting): the mark is gone, so its next miss is a first miss again.
            int k2 = KEYS / 4;
            int other = leafOf(s, key(k2));
            Node otherNode = s.pool().node(other);
            byte[] otherLow = otherNode.key(0);
            byte[] otherHigh = otherNode.key(otherNode.keyCount() - 1);
            assertThat(s.get(key(k2))).isEqualTo(value(k2));
            assertThat(s.pool().cached(other)).isFalse();
            Random r = new Random(11);
            for (int i = 0; i < 4 * KEYS; i++) {
                int x = r.nextInt(KEYS);
                byte[] kx = key(x);
                boolean inOther = java.util.Arrays.compareUnsigned(kx, otherLow) >= 0
                        && java.util.Arrays.compareUnsigned(kx, otherHigh) <= 0;
                boolean inLeaf = java.util.Arrays.compareUnsigned(kx, low) >= 0
                        && java.util.Arrays.compareUnsigned(kx, high) <= 0;
                if (!inOther && !inLeaf) {
                    assertThat(s.get(kx)).as("key %d", x).isEqualTo(value(x));
                }
            }
            assertThat(s.pool().bytes()).isLessThanOrEqualTo(BUDGET);
            assertThat(s.get(key(k2))).isEqualTo(value(k2));
            assertThat(s.pool().cached(other)).as("a first miss again: not cached").isFalse();
            assertThat(s.get(key(k2))).isEqualTo(value(k2));
            assertThat(s.pool().cached(other)).as("cached on the second miss").isTrue();
        }
    }

    @Test
    void aDamagedLeafIsReportedOnItsFirstMissAndOnItsSecond() throws java.io.IOException {
        load();
        int leaf;
        try (BTreeStore s = open()) {
            leaf = leafOf(s, key(KEYS / 3));
        }
        Stores.scribble(disk, DIR, (long) leaf * PAGE + PAGE - 3, new byte[]{0x5A, 0x5A, 0x5A});
        try (BTreeStore s = open()) {
            for (int miss = 0; miss < 2; miss++) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.get(key(KEYS / 3)))
                        .as("miss %d", miss)
                        .isInstanceOf(io.durakv.api.CorruptionException.class)
                        .hasMessageContaining("btree.db")
                        .hasMessageContaining(String.valueOf((long) leaf * PAGE));
                assertThat(s.pool().cached(leaf)).isFalse();
            }
        }
    }

    @Test
    void seeksFromLeavesCachedAsPageBytesInMemoryOrOnDiskReturnTheRightEntries() {
        load();
        try (BTreeStore s = open()) {
            Random r = new Random(12);
            for (int i = 0; i < 2 * KEYS; i++) {
                int k = r.nextInt(KEYS / 2); // the lower half's leaves get cached (second misses), the upper not
                s.get(key(k));
            }
            s.put(key(KEYS / 3), value(KEYS / 3)); // and one dirty leaf
            for (int probe = 0; probe < 3000; probe++) {
                int from = r.nextInt(KEYS);
                int n = 1 + r.nextInt(60);
                boolean absentStart = r.nextBoolean();
                byte[] start = absentStart ? Stores.bytes(String.format("k%08d-", from)) : key(from);
                int first = absentStart ? from + 1 : from;
                int end = Math.min(KEYS, first + n);
                try (KeyValueIterator it = s.scan(start, key(end))) {
                    for (int k = first; k < end; k++) {
                        assertThat(it.hasNext()).as("seek %d, entry %d", from, k).isTrue();
                        KeyValue kv = it.next();
                        assertThat(kv.key()).as("seek %d", from).isEqualTo(key(k));
                        assertThat(kv.value()).as("seek %d, key %d", from, k).isEqualTo(value(k));
                    }
                    assertThat(it.hasNext()).as("seek %d ends before %d", from, end).isFalse();
                }
            }
        }
    }
}
