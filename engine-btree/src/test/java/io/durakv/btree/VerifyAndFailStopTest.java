package io.durakv.btree;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;

import static io.durakv.btree.Stores.DIR;
import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * verify() finds structural damage that checksums cannot; a failed force turns the store read-only until reopened,
 * a failed page write during a checkpoint only undoes that checkpoint.
 */
class VerifyAndFailStopTest {

    private static final int PAGE = 1024;
    private final SimulatedDisk disk = new SimulatedDisk();

    private void populate(int keys) {
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024")) {
            for (int i = 0; i < keys; i++) {
                s.put(bytes(String.format("key-%05d", i)), Stores.filled(i % 7 == 0 ? 2000 : 50, i));
            }
        }
    }

    /** Rewrites page {@code id} (a node) with a valid checksum after {@code change} edited its decoded content. */
    private void rewriteNode(int id, java.util.function.UnaryOperator<Node> change) throws IOException {
        Stores.withPageFile(disk, DIR, PAGE, pf -> {
            ByteBuffer old = pf.read(id, PageFile.ANY_NODE);
            Node n = PageCodec.decodeNode(old, id, PAGE, pf.path(), 0);
            Node m = change.apply(n);
            ByteBuffer page = pf.newPage();
            if (m.isLeaf()) {
                PageCodec.encodeLeaf(page, m.keysCopy(), m.slotsCopy());
            } else {
                Object[] s = m.slotsCopy();
                int[] children = new int[s.length];
                for (int i = 0; i < s.length; i++) {
                    children[i] = (Integer) s[i];
                }
                PageCodec.encodeInternal(page, m.keysCopy(), children);
            }
            pf.write(id, page, old.getLong(BTreeFormat.P_GENERATION));
        });
    }

    private int firstLeaf() throws IOException {
        Header h = Stores.header(disk, DIR);
        int[] leaf = {h.root()};
        Stores.withPageFile(disk, DIR, PAGE, pf -> {
            Node n = PageCodec.decodeNode(pf.read(leaf[0], PageFile.ANY_NODE), leaf[0], PAGE, pf.path(), 0);
            while (!n.isLeaf()) {
                leaf[0] = (Integer) n.slot(0);
                n = PageCodec.decodeNode(pf.read(leaf[0], PageFile.ANY_NODE), leaf[0], PAGE, pf.path(), 0);
            }
        });
        return leaf[0];
    }

    @Test
    void verifyPassesOnAHealthyStore() {
        populate(500);
        try (BTreeStore s = Stores.open(disk, DIR)) {
            s.verify();
        }
    }

    @Test
    void verifyFindsKeysOutOfOrderInALeafWithAValidChecksum() throws IOException {
        populate(500);
        int leaf = firstLeaf();
        rewriteNode(leaf, n -> {
            byte[][] keys = n.keysCopy();
            byte[] t = keys[0];
            keys[0] = keys[1];
            keys[1] = t;
            return Node.leaf(keys, n.slotsCopy(), PAGE, leaf);
        });
        try (BTreeStore s = Stores.open(disk, DIR)) {
            assertThatThrownBy(s::verify).isInstanceOf(CorruptionException.class)
                    .hasMessageContaining("out of order")
                    .satisfies(e -> assertThat(((CorruptionException) e).offset()).isEqualTo((long) leaf * PAGE));
        }
    }

    @Test
    void verifyFindsAKeyOutsideItsParentsRange() throws IOException {
        populate(500);
        int leaf = firstLeaf();
        rewriteNode(leaf, n -> {
            byte[][] keys = n.keysCopy();
            keys[keys.length - 1] = bytes("zzz"); // sorts after every separator
            return Node.leaf(keys, n.slotsCopy(), PAGE, leaf);
        });
        try (BTreeStore s = Stores.open(disk, DIR)) {
            assertThatThrownBy(s::verify).isInstanceOf(CorruptionException.class).hasMessageContaining("range");
        }
    }

    @Test
    void verifyFindsAPageThatIsBothFreeAndUsed() throws IOException {
        populate(500);
        populate(100); // rewrites pages: the second checkpoint leaves the first's pages free
        Header h = Stores.header(disk, DIR);
        assertThat(h.freeListHead()).isNotZero();
        Stores.withPageFile(disk, DIR, PAGE, pf -> {
            ByteBuffer list = pf.read(h.freeListHead(), BTreeFormat.TYPE_FREE_LIST);
            list.putInt(BTreeFormat.PAGE_HEADER, h.root()); // the root listed as free
            pf.write(h.freeListHead(), list, list.getLong(BTreeFormat.P_GENERATION));
        });
        try (BTreeStore s = Stores.open(disk, DIR)) {
            assertThatThrownBy(s::verify).isInstanceOf(CorruptionException.class)
                    .hasMessageContaining("both free and used");
        }
    }

    @Test
    void verifyFindsABrokenOverflowChain() throws IOException {
        populate(500);
        Header h = Stores.header(disk, DIR);
        int[] chain = {0};
        Stores.withPageFile(disk, DIR, PAGE, pf -> {
            int leaf = firstLeaf();
            Node n = PageCodec.decodeNode(pf.read(leaf, PageFile.ANY_NODE), leaf, PAGE, pf.path(), 0);
            chain[0] = ((OverflowRef) n.slot(0)).firstPage(); // key-00000 holds a 2000-byte value
            ByteBuffer first = pf.read(chain[0], BTreeFormat.TYPE_OVERFLOW);
            first.putInt(BTreeFormat.P_LINK, 0); // cut the chain after its first page
            pf.write(chain[0], first, first.getLong(BTreeFormat.P_GENERATION));
        });
        assertThat(h.root()).isNotZero();
        try (BTreeStore s = Stores.open(disk, DIR)) {
            assertThatThrownBy(s::verify).isInstanceOf(CorruptionException.class).hasMessageContaining("overflow");
            assertThatThrownBy(() -> s.get(bytes("key-00000"))).isInstanceOf(CorruptionException.class);
        }
    }

    @Test
    void aPageWrittenByALaterCheckpointThanTheHeaderIsCorruptionNotData() throws IOException {
        populate(500);
        Header h = Stores.header(disk, DIR);
        int leaf = firstLeaf();
        // As if recovery had fallen back to an older header after the newest one was lost, and the page had been
        // reused meanwhile: valid checksum, right id and type, content from the future.
        Stores.withPageFile(disk, DIR, PAGE, pf -> {
            ByteBuffer page = pf.read(leaf, PageFile.ANY_NODE);
            pf.write(leaf, page, h.generation() + 1);
        });
        try (BTreeStore s = Stores.open(disk, DIR)) {
            assertThatThrownBy(() -> s.get(bytes("key-00000"))).isInstanceOf(CorruptionException.class)
                    .hasMessageContaining("written by checkpoint " + (h.generation() + 1))
                    .satisfies(e -> assertThat(((CorruptionException) e).offset())
                            .isEqualTo((long) leaf * PAGE + BTreeFormat.P_GENERATION));
            assertThatThrownBy(s::verify).isInstanceOf(CorruptionException.class);
        }
    }

    @Test
    void failedLogForceMakesTheStoreReadOnlyUntilReopened() {
        populate(50);
        BTreeStore s = Stores.open(disk, DIR);
        disk.inject(FaultRule.nthCall(DiskOp.FORCE, "wal", 1));
        assertThatThrownBy(() -> s.put(bytes("a"), bytes("1"))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> s.put(bytes("b"), bytes("2"))).isInstanceOf(StoreException.class)
                .hasMessageContaining("read-only");
        assertThatThrownBy(s::sync).isInstanceOf(StoreException.class);
        assertThat(s.get(bytes("key-00001"))).as("reads go on").isEqualTo(Stores.filled(50, 1));
        assertThatThrownBy(s::close).isInstanceOf(StoreException.class);
        disk.clearFaults();
        try (BTreeStore again = Stores.open(disk, DIR)) {
            again.verify();
            assertThat(again.get(bytes("key-00048"))).isEqualTo(Stores.filled(50, 48));
            again.put(bytes("b"), bytes("2"));
            assertThat(again.get(bytes("b"))).isEqualTo(bytes("2"));
        }
    }

    @Test
    void failedDataFileForceDuringCheckpointMakesTheStoreReadOnly() {
        populate(50);
        BTreeStore s = Stores.open(disk, DIR);
        s.put(bytes("a"), bytes("1"));
        disk.inject(FaultRule.fromNthCall(DiskOp.FORCE, "btree\\.db$", 1));
        assertThatThrownBy(s::checkpointNow).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> s.put(bytes("b"), bytes("2"))).isInstanceOf(StoreException.class);
        assertThatThrownBy(s::close).isInstanceOf(StoreException.class);
        disk.clearFaults();
        try (BTreeStore again = Stores.open(disk, DIR)) {
            again.verify();
            assertThat(again.get(bytes("a"))).as("acknowledged before the failure").isEqualTo(bytes("1"));
            assertThat(again.get(bytes("b"))).isNull();
        }
    }

    @Test
    void failedPageWriteDuringCheckpointIsUndoneAndTheStoreGoesOn() {
        populate(50);
        BTreeStore s = Stores.open(disk, DIR);
        s.put(bytes("a"), bytes("1"));
        disk.inject(FaultRule.nthCall(DiskOp.WRITE, "btree\\.db$", 1));
        assertThatThrownBy(s::checkpointNow).isInstanceOf(StoreException.class);
        s.verify(); // the in-memory free space matches the durable header again
        s.delete(bytes("a"));
        s.put(bytes("b"), bytes("2"));
        s.checkpointNow();
        s.verify();
        s.close();
        try (BTreeStore again = Stores.open(disk, DIR)) {
            again.verify();
            assertThat(again.get(bytes("a"))).isNull();
            assertThat(again.get(bytes("b"))).isEqualTo(bytes("2"));
        }
    }
}
