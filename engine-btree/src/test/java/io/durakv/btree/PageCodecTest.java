package io.durakv.btree;

import io.durakv.api.CorruptionException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PageCodecTest {

    private static final int PAGE = 1024;
    private static final Path FILE = Path.of("/db/btree.db");

    private static ByteBuffer page() {
        return ByteBuffer.allocate(PAGE).order(ByteOrder.BIG_ENDIAN);
    }

    @Test
    void leafRoundtripsInlineAndOverflowValues() {
        byte[][] keys = {{}, {1}, {1, 2, 3}, {(byte) 0xFF}};
        Object[] values = {new byte[0], new byte[]{9}, new OverflowRef(7, 5000), new byte[]{4, 5, 6}};
        Node leaf = Node.leaf(keys, values, PAGE, 0);
        ByteBuffer p = page();
        PageCodec.encodeLeaf(p, keys, values);
        assertThat(p.position()).isEqualTo(BTreeFormat.PAGE_HEADER + leaf.bytes());

        Node back = PageCodec.decodeNode(p, 5, PAGE, FILE, 5 * PAGE);
        assertThat(back.isLeaf()).isTrue();
        assertThat(back.pageId()).isEqualTo(5);
        assertThat(back.keyCount()).isEqualTo(4);
        for (int i = 0; i < keys.length; i++) {
            assertThat(back.key(i)).isEqualTo(keys[i]);
        }
        assertThat((byte[]) back.slot(0)).isEmpty();
        assertThat((byte[]) back.slot(1)).containsExactly(9);
        assertThat(back.slot(2)).isEqualTo(new OverflowRef(7, 5000));
        assertThat((byte[]) back.slot(3)).containsExactly(4, 5, 6);
        assertThat(back.bytes()).isEqualTo(leaf.bytes());
    }

    @Test
    void aCompactLeafPageSearchesInPlaceAndGivesTheSameEntriesAsTheDecodedNode() {
        byte[][] keys = {{}, {1}, {1, 2, 3}, {1, 2, 4}, {(byte) 0x80}, {(byte) 0xFF}};
        Object[] values = {new byte[0], new byte[]{9}, new OverflowRef(7, 5000), Stores.filled(300, 3),
                new byte[]{4, 5, 6}, new OverflowRef(12, 900)};
        ByteBuffer p = page();
        PageCodec.encodeLeaf(p, keys, values);
        LeafPage leaf = PageCodec.decodeLeafPage(p, 5, FILE, 5 * PAGE);
        assertThat(leaf.keyCount()).isEqualTo(keys.length);
        assertThat(leaf.pageId()).isEqualTo(5);
        for (int i = 0; i < keys.length; i++) {
            assertThat(leaf.search(keys[i])).as("key %d", i).isEqualTo(i);
            if (values[i] instanceof byte[] v) {
                assertThat(leaf.value(i, null)).isEqualTo(v);
            }
        }
        // Absent keys: the insertion point, as Node.search gives it, before, between and after the keys.
        Node decoded = PageCodec.decodeNode(p, 5, PAGE, FILE, 5 * PAGE);
        for (byte[] absent : new byte[][]{{0}, {1, 2}, {1, 2, 3, 0}, {1, 3}, {(byte) 0x90}, {(byte) 0xFF, 0}}) {
            assertThat(leaf.search(absent)).isEqualTo(decoded.search(absent)).isNegative();
        }
        Node node = leaf.toNode(PAGE);
        assertThat(node.isLeaf()).isTrue();
        assertThat(node.pageId()).isEqualTo(5);
        assertThat(node.bytes()).isEqualTo(decoded.bytes());
        for (int i = 0; i < keys.length; i++) {
            assertThat(node.key(i)).isEqualTo(keys[i]);
            if (values[i] instanceof byte[] v) {
                assertThat((byte[]) node.slot(i)).isEqualTo(v);
            } else {
                assertThat(node.slot(i)).isEqualTo(values[i]);
            }
        }
        // Denser than the decoded node: about the encoded size, not an array per key and value besides.
        assertThat(leaf.memoryBytes()).isLessThan(decoded.memoryBytes());
    }

    @Test
    void aCompactLeafPageRefusesDamagedEntriesAsCorruption() {
        byte[][] keys = {{1}, {2}};
        Object[] values = {new byte[]{1, 2}, new byte[]{3}};
        ByteBuffer runsOff = page();
        PageCodec.encodeLeaf(runsOff, keys, values);
        runsOff.putInt(BTreeFormat.PAGE_HEADER + 3, PAGE); // the first value runs past the page
        ByteBuffer badKind = page();
        PageCodec.encodeLeaf(badKind, keys, values);
        badKind.put(BTreeFormat.PAGE_HEADER + 2, (byte) 7);
        ByteBuffer badPointer = page();
        PageCodec.encodeLeaf(badPointer, keys, new Object[]{new OverflowRef(1, 5000), new byte[]{3}});
        ByteBuffer tooMany = page();
        PageCodec.encodeLeaf(tooMany, keys, values);
        tooMany.putShort(BTreeFormat.P_COUNT, (short) 500); // entries of zeros up to the end, then past it
        for (ByteBuffer damaged : new ByteBuffer[]{runsOff, badKind, badPointer, tooMany}) {
            assertThatThrownBy(() -> PageCodec.decodeLeafPage(damaged, 3, FILE, 3 * PAGE))
                    .isInstanceOf(CorruptionException.class)
                    .satisfies(e -> assertThat(((CorruptionException) e).offset()).isBetween(3L * PAGE, 4L * PAGE))
                    .satisfies(e -> assertThat(((CorruptionException) e).file()).isEqualTo(FILE));
        }
    }

    @Test
    void internalRoundtripsKeysAndChildren() {
        byte[][] keys = {{10}, {20, 1}};
        ByteBuffer p = page();
        PageCodec.encodeInternal(p, keys, new int[]{2, 3, 4});
        Node back = PageCodec.decodeNode(p, 9, PAGE, FILE, 9 * PAGE);
        assertThat(back.isLeaf()).isFalse();
        assertThat(back.keyCount()).isEqualTo(2);
        assertThat(back.key(1)).containsExactly(20, 1);
        assertThat(back.slot(0)).isEqualTo(2);
        assertThat(back.slot(2)).isEqualTo(4);
        assertThat(back.bytes()).isEqualTo(Node.internal(keys, new Object[]{2, 3, 4}, 0).bytes());
    }

    @Test
    void overflowAndFreeListPagesCarryTheirCountAndLink() {
        byte[] value = Stores.filled(3000, 1);
        ByteBuffer p = page();
        PageCodec.encodeOverflow(p, value, 1000, 1000, 42);
        assertThat(PageCodec.count(p, 1000, FILE, 0)).isEqualTo(1000);
        assertThat(PageCodec.link(p)).isEqualTo(42);
        assertThat(p.get(BTreeFormat.PAGE_HEADER)).isEqualTo(value[1000]);

        ByteBuffer f = page();
        PageCodec.encodeFreeList(f, new int[]{5, 6, 7, 8}, 1, 3, 0);
        assertThat(PageCodec.count(f, BTreeFormat.freeListCapacity(PAGE), FILE, 0)).isEqualTo(3);
        assertThat(f.getInt(BTreeFormat.PAGE_HEADER)).isEqualTo(6);
        assertThat(f.getInt(BTreeFormat.PAGE_HEADER + 8)).isEqualTo(8);
    }

    @Test
    void aLengthRunningOffThePageIsCorruptionNamingTheOffset() {
        byte[][] keys = {{1}};
        ByteBuffer p = page();
        PageCodec.encodeLeaf(p, keys, new Object[]{new byte[]{1, 2}});
        p.putInt(BTreeFormat.PAGE_HEADER + 3, 100_000); // value length far past the page
        assertThatThrownBy(() -> PageCodec.decodeNode(p, 3, PAGE, FILE, 3 * PAGE))
                .isInstanceOf(CorruptionException.class)
                .satisfies(e -> assertThat(((CorruptionException) e).offset()).isBetween(3L * PAGE, 4L * PAGE))
                .satisfies(e -> assertThat(((CorruptionException) e).file()).isEqualTo(FILE));
    }

    @Test
    void headerRoundtripsAndRejectsAnyFlippedBit() {
        Header h = new Header(PAGE, 7, 1234, 9, 11, 3, 40, 555);
        ByteBuffer b = h.encode();
        assertThat(Header.decode(b)).isEqualTo(h);
        assertThat(h.slot()).isEqualTo(1);
        for (int i = 0; i < BTreeFormat.HEADER_BYTES; i++) {
            ByteBuffer damaged = h.encode();
            damaged.put(i, (byte) (damaged.get(i) ^ 0x10));
            assertThat(Header.decode(damaged)).as("bit flipped in byte " + i).isNull();
        }
        assertThat(Header.decode(ByteBuffer.allocate(PAGE))).as("zeros").isNull();
    }

    @Test
    void headerOfANewerFormatVersionIsRefusedAsTooNew() {
        ByteBuffer b = new Header(PAGE, 1, 0, 0, 0, 0, 2, 0).encode();
        b.putInt(BTreeFormat.H_VERSION, BTreeFormat.FORMAT_VERSION + 1);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b.duplicate().position(0).limit(BTreeFormat.H_CRC));
        b.putInt(BTreeFormat.H_CRC, (int) crc.getValue());
        assertThatThrownBy(() -> Header.decode(b)).hasMessageContaining("too new");
    }
}
