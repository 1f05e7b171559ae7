package io.durakv.btree;

import io.durakv.api.CorruptionException;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

import static io.durakv.btree.Stores.DIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Review of round 5's first-miss and second-miss reads of a leaf: a leaf page that passes its checksum but whose
 * entries are damaged (as a buggy writer would leave it) is reported as a {@link CorruptionException} naming
 * btree.db and an offset inside the page, on the first miss (searched in the thread's heap buffer), on the second
 * (admitted: a copy decoded for the pool), by a seek and by a scan; it is never cached, and never read as data; a
 * page damaged between its first and second miss is reported on the second, and reads recover once it is repaired.
 */
class DamagedLeafMissReviewTest {

    private static final int PAGE = 1024;
    private static final int KEYS = 3000;

    private final SimulatedDisk disk = new SimulatedDisk();

    private static byte[] key(int i) {
        return Stores.bytes(String.format("key/shared/prefix/%08d", i));
    }

    private static byte[] value(int i) {
        return i % 97 == 0 ? Stores.filled(3000, i) : Stores.filled(20 + i % 30, i); // some overflow chains
    }

    private BTreeStore open() {
        return Stores.open(disk, DIR, "btree.pageBytes", String.valueOf(PAGE), "btree.cacheBytes",
                String.valueOf(64 << 10));
    }

    private void load() {
        try (BTreeStore s = open()) {
            for (int i = 0; i < KEYS; i += 200) {
                WriteBatch b = new WriteBatch();
                for (int k = i; k < i + 200; k++) {
                    b.put(key(k), value(k));
                }
                s.write(b);
            }
        }
    }

    /** @return the page id of the leaf holding {@code key} (internal nodes read through the pool) */
    private static int leafOf(BTreeStore s, byte[] key) {
        Node n = s.root();
        while (true) {
            int id = (Integer) n.slot(n.childIndex(key));
            Node c = s.pool().node(id);
            if (c.isLeaf()) {
                return id;
            }
            n = c;
        }
    }

    /** Rewrites leaf page {@code id} with {@code damage} applied to its bytes, under a valid checksum. */
    private void damage(int id, Consumer<ByteBuffer> damage) throws IOException {
        Stores.withPageFile(disk, DIR, PAGE, pf -> {
            ByteBuffer p = pf.read(id, BTreeFormat.TYPE_LEAF);
            damage.accept(p);
            pf.write(id, p, p.getLong(BTreeFormat.P_GENERATION));
        });
    }

    private static void assertCorrupt(Runnable read, int leaf, String what) {
        assertThatThrownBy(read::run).as(what)
                .isInstanceOfSatisfying(CorruptionException.class, e -> {
                    assertThat(e.file().getFileName().toString()).isEqualTo(BTreeFormat.DATA_FILE);
                    assertThat(e.offset()).as("offset in page %d", leaf)
                            .isBetween((long) leaf * PAGE, (long) leaf * PAGE + PAGE - 1);
                })
                .hasMessageContaining("btree.db");
    }

    /** Entry 0's fields: key length (u16) at the body's start, then the value kind (u8), then the value length. */
    private static final int FIRST = BTreeFormat.PAGE_HEADER;

    @Test
    void aKeyLengthRunningOffThePageIsReportedOnEveryMissSeekAndScan() throws IOException {
        checkDamage(p -> p.putShort(FIRST, (short) 0xFFFF));
    }

    @Test
    void anUnknownValueKindIsReportedOnEveryMissSeekAndScan() throws IOException {
        checkDamage(p -> p.put(FIRST + 2, (byte) 7));
    }

    @Test
    void aValueLengthRunningOffThePageIsReportedOnEveryMissSeekAndScan() throws IOException {
        checkDamage(p -> p.putInt(FIRST + 3, PAGE));
    }

    @Test
    void anEntryCountLargerThanThePageHoldsIsReportedOnEveryMissSeekAndScan() throws IOException {
        checkDamage(p -> p.putShort(BTreeFormat.P_COUNT, (short) 0xFFFF));
    }

    private void checkDamage(Consumer<ByteBuffer> damage) throws IOException {
        load();
        int k = KEYS / 2;
        int leaf;
        try (BTreeStore s = open()) {
            leaf = leafOf(s, key(k));
        }
        damage(leaf, damage);
        try (BTreeStore s = open()) {
            for (int miss = 0; miss < 3; miss++) {
                assertCorrupt(() -> s.get(key(k)), leaf, "get, miss " + miss);
                assertThat(s.pool().cached(leaf)).isFalse();
            }
            assertCorrupt(() -> {
                try (KeyValueIterator it = s.scan(key(k), null)) {
                    it.hasNext();
                }
            }, leaf, "seek");
            assertCorrupt(() -> {
                try (KeyValueIterator it = s.scan(null, null)) {
                    while (it.hasNext()) {
                        it.next();
                    }
                }
            }, leaf, "full scan");
            assertThat(s.pool().cached(leaf)).isFalse();
            // Other leaves read on.
            for (int i = 0; i < KEYS; i += 37) {
                if (leafOf(s, key(i)) != leaf) {
                    assertThat(s.get(key(i))).as("key %d", i).isEqualTo(value(i));
                    assertThat(s.get(key(i))).as("key %d, again", i).isEqualTo(value(i));
                }
            }
        }
    }

    @Test
    void aLeafDamagedBetweenItsFirstAndSecondMissIsReportedOnTheSecondAndReadAgainOnceRepaired() throws IOException {
        load();
        int k = KEYS / 3;
        try (BTreeStore s = open()) {
            int leaf = leafOf(s, key(k));
            byte[][] original = new byte[1][];
            Stores.withPageFile(disk, DIR, PAGE, pf -> {
                ByteBuffer p = pf.read(leaf, BTreeFormat.TYPE_LEAF);
                original[0] = new byte[PAGE];
                p.get(0, original[0]);
            });
            assertThat(s.get(key(k))).as("first miss").isEqualTo(value(k));
            assertThat(s.pool().cached(leaf)).isFalse();
            damage(leaf, p -> p.putShort(FIRST, (short) 0xFFFF));
            assertCorrupt(() -> s.get(key(k)), leaf, "second miss");
            assertThat(s.pool().cached(leaf)).isFalse();
            Stores.scribble(disk, DIR, (long) leaf * PAGE, original[0]);
            assertThat(s.get(key(k))).as("after the repair").isEqualTo(value(k));
            assertThat(s.get(key(k))).as("after the repair, again").isEqualTo(value(k));
            assertThat(s.pool().cached(leaf)).isTrue();
            for (int i = 0; i < KEYS; i += 7) {
                assertThat(s.get(key(i))).as("key %d", i).isEqualTo(value(i));
            }
        }
    }

    @Test
    void aDamagedOverflowPageBehindAFirstMissIsReportedWithItsOwnOffset() throws IOException {
        load();
        int k = 97 * 11; // its value lives in an overflow chain
        int chain;
        try (BTreeStore s = open()) {
            Node leaf = s.pool().node(leafOf(s, key(k)));
            int i = leaf.search(key(k));
            chain = ((OverflowRef) leaf.slot(i)).firstPage();
        }
        Stores.scribble(disk, DIR, (long) chain * PAGE + PAGE - 2, new byte[]{0x11, 0x22});
        try (BTreeStore s = open()) {
            for (int miss = 0; miss < 2; miss++) {
                assertCorrupt(() -> s.get(key(k)), chain, "miss " + miss);
            }
            assertThat(s.get(key(k + 1))).isEqualTo(value(k + 1));
        }
    }
}
