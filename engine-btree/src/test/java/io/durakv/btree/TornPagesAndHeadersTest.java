package io.durakv.btree;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.durakv.btree.Stores.DIR;
import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Damage to the data file: what recovery must survive, and what it must report. */
class TornPagesAndHeadersTest {

    private static final int PAGE = 1024;
    private static final String[] PROPS = {"btree.pageBytes", "1024", "btree.checkpointBytes", "1000000"};

    private final SimulatedDisk disk = new SimulatedDisk();

    /** 300 keys over many pages, two checkpoints (so both slots hold headers), and log records after the last. */
    private void populate() {
        try (BTreeStore s = Stores.open(disk, DIR, PROPS)) {
            for (int i = 0; i < 300; i++) {
                s.put(key(i), value(i, 0));
            }
            s.checkpointNow();
            for (int i = 0; i < 300; i += 3) {
                s.put(key(i), value(i, 1));
            }
            s.checkpointNow();
            for (int i = 1; i < 300; i += 3) {
                s.put(key(i), value(i, 2));
            }
            // close checkpoints again: generation 3
        }
    }

    private static byte[] key(int i) {
        return bytes(String.format("key-%05d", i));
    }

    private static byte[] value(int i, int round) {
        return bytes("value-" + i + "-round-" + round + "-" + "x".repeat(i % 40));
    }

    private void assertAllPresent() {
        try (BTreeStore s = Stores.open(disk, DIR, PROPS)) {
            s.verify();
            for (int i = 0; i < 300; i++) {
                int round = i % 3 == 0 ? 1 : i % 3 == 1 ? 2 : 0;
                assertThat(s.get(key(i))).as("key " + i).isEqualTo(value(i, round));
            }
        }
    }

    @Test
    void tornNewestHeaderSlotFallsBackToTheOtherSlotAndReplaysTheLog() throws IOException {
        populate();
        Header newest = Stores.header(disk, DIR);
        // A torn write of the newest header: its second half is lost.
        Stores.scribble(disk, DIR, (long) newest.slot() * PAGE + 30, new byte[30]);
        Header used = Stores.header(disk, DIR);
        assertThat(used.generation()).isEqualTo(newest.generation() - 1);
        assertAllPresent();
    }

    @Test
    void damagedOlderHeaderSlotIsIgnored() throws IOException {
        populate();
        Header newest = Stores.header(disk, DIR);
        Stores.scribble(disk, DIR, (long) (1 - newest.slot()) * PAGE, Stores.filled(PAGE, 3));
        assertThat(Stores.header(disk, DIR)).isEqualTo(newest);
        assertAllPresent();
    }

    @Test
    void bothHeaderSlotsDamagedIsCorruptionAtOffsetZero() throws IOException {
        populate();
        Stores.scribble(disk, DIR, 0, Stores.filled(2 * PAGE, 5));
        assertThatThrownBy(() -> Stores.open(disk, DIR, PROPS))
                .isInstanceOf(CorruptionException.class)
                .satisfies(e -> assertThat(((CorruptionException) e).offset()).isZero())
                .satisfies(e -> assertThat(((CorruptionException) e).file()).isEqualTo(DIR.resolve("btree.db")));
    }

    @Test
    void garbageInFreeAndUnusedPagesIsHarmless() throws IOException {
        populate();
        Header h = Stores.header(disk, DIR);
        int[][] free = readFreeList(h);
        assertThat(free[0]).as("churn left free pages").isNotEmpty();
        for (int id : free[0]) {
            Stores.scribble(disk, DIR, (long) id * PAGE + 100, Stores.filled(300, id)); // a torn shadow page
        }
        // Pages past the header's page count: written by a checkpoint that never got its header.
        Stores.scribble(disk, DIR, (long) h.pageCount() * PAGE, Stores.filled(3 * PAGE, 9));
        assertAllPresent();
        try (BTreeStore s = Stores.open(disk, DIR, PROPS)) {
            for (int i = 0; i < 300; i++) {
                s.put(key(i), value(i, 7));
            }
            s.checkpointNow();
            s.verify();
            assertThat(s.get(key(5))).isEqualTo(value(5, 7));
        }
    }

    @Test
    void damagedReferencedPageIsCorruptionNamingFileAndOffset() throws IOException {
        populate();
        Header h = Stores.header(disk, DIR);
        int[] leaf = new int[1];
        Stores.withPageFile(disk, DIR, PAGE, pf -> {
            Node root = PageCodec.decodeNode(pf.read(h.root(), PageFile.ANY_NODE), h.root(), PAGE, pf.path(), 0);
            Node n = root;
            while (!n.isLeaf()) {
                int child = (Integer) n.slot(n.slotCount() - 1);
                n = PageCodec.decodeNode(pf.read(child, PageFile.ANY_NODE), child, PAGE, pf.path(), 0);
            }
            leaf[0] = n.pageId();
        });
        assertThat(leaf[0]).isNotEqualTo(h.root());
        Stores.scribble(disk, DIR, (long) leaf[0] * PAGE + 200, new byte[]{1, 2, 3});
        try (BTreeStore s = Stores.open(disk, DIR, PROPS)) {
            assertThat(s.get(key(0))).as("other pages still read").isNotNull();
            assertThatThrownBy(() -> s.get(key(299)))
                    .isInstanceOf(CorruptionException.class)
                    .satisfies(e -> assertThat(((CorruptionException) e).offset()).isEqualTo((long) leaf[0] * PAGE))
                    .satisfies(e -> assertThat(((CorruptionException) e).file()).isEqualTo(DIR.resolve("btree.db")));
            assertThatThrownBy(s::verify).isInstanceOf(CorruptionException.class);
        }
    }

    private int[][] readFreeList(Header h) throws IOException {
        int[][][] out = new int[1][][];
        Stores.withPageFile(disk, DIR, PAGE, pf -> out[0] = Recovery.readFreeList(pf, h));
        return out[0];
    }

    @Test
    void createdFileIsNeverHalfMadeAfterACrashDuringCreation() {
        for (int k = 0; k < 12; k++) {
            SimulatedDisk d = new SimulatedDisk();
            d.powerLossAfter(k);
            try {
                Stores.open(d, DIR, PROPS).close();
            } catch (RuntimeException expected) {
                // power lost somewhere in creation
            }
            for (long seed = 0; seed < 5; seed++) {
                try (BTreeStore s = Stores.open(d.crash(seed), DIR, PROPS)) {
                    s.verify();
                    assertThat(s.get(bytes("a"))).isNull();
                }
            }
        }
    }
}
