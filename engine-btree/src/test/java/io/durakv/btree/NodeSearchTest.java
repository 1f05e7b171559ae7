package io.durakv.btree;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An internal node's child search over its word index (Node.childIndex), and a cached leaf's search over its word
 * index (LeafPage.search, Node.lookup), agree with a linear search over the keys (as does the plain binary search), for keys that share long prefixes, hold zero bytes, are prefixes of one another, or are shorter than the
 * shared prefix.
 */
class NodeSearchTest {

    private static byte[] randomKey(Random rnd, byte[] sharedPrefix) {
        int len = rnd.nextInt(14);
        byte[] tail = new byte[len];
        for (int i = 0; i < len; i++) {
            tail[i] = (byte) (rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(3) == 0 ? 0xFF : rnd.nextInt(4));
        }
        int cut = rnd.nextInt(10) == 0 ? rnd.nextInt(sharedPrefix.length + 1) : sharedPrefix.length;
        byte[] k = Arrays.copyOf(sharedPrefix, cut + len);
        System.arraycopy(tail, 0, k, cut, len);
        return k;
    }

    private static byte[] randomPrefix(Random rnd) {
        byte[] prefix = new byte[rnd.nextInt(12)];
        for (int i = 0; i < prefix.length; i++) {
            prefix[i] = (byte) rnd.nextInt(3);
        }
        return prefix;
    }

    /** @return 1 to 40 distinct keys in order, most of them starting with {@code prefix} */
    private static byte[][] sortedKeys(Random rnd, byte[] prefix) {
        TreeSet<byte[]> keys = new TreeSet<>(Arrays::compareUnsigned);
        int count = 1 + rnd.nextInt(40);
        while (keys.size() < count) {
            keys.add(rnd.nextInt(8) == 0 ? randomKey(rnd, new byte[0]) : randomKey(rnd, prefix));
        }
        return keys.toArray(new byte[0][]);
    }

    /** The reference: a linear search over the keys ({@code -(insertion point) - 1} when absent). */
    private static int linearSearch(byte[][] keys, byte[] key) {
        for (int i = 0; i < keys.length; i++) {
            int c = Arrays.compareUnsigned(keys[i], key);
            if (c == 0) {
                return i;
            }
            if (c > 0) {
                return -(i + 1);
            }
        }
        return -(keys.length + 1);
    }

    private static int expectedChild(Node n, byte[] key) {
        byte[][] keys = new byte[n.keyCount()][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = n.key(i);
        }
        int i = linearSearch(keys, key);
        return i >= 0 ? i + 1 : -(i + 1);
    }

    @Test
    void childIndexAgreesWithThePlainSearch() {
        Random rnd = new Random(5);
        for (int round = 0; round < 400; round++) {
            byte[] prefix = randomPrefix(rnd);
            byte[][] k = sortedKeys(rnd, prefix);
            Node n = Node.internal(k, new Object[k.length + 1], 0);
            for (int probe = 0; probe < 200; probe++) {
                byte[] key = rnd.nextInt(3) == 0 ? k[rnd.nextInt(k.length)].clone() : randomKey(rnd, prefix);
                assertThat(n.childIndex(key)).as("round %d, key %s, keys %s", round, Arrays.toString(key),
                        Arrays.deepToString(k)).isEqualTo(expectedChild(n, key));
            }
            // A key inserted into the node (a child's split): the index carried over agrees as well.
            for (int ins = 0; ins < 5; ins++) {
                byte[] added = randomKey(rnd, prefix);
                int at = n.search(added);
                if (at >= 0) {
                    continue;
                }
                at = -(at + 1);
                Node grown = n.inserting(at, added, new Object[n.slotCount() + 1], 0, 1);
                assertThat(grown.keyCount()).isEqualTo(n.keyCount() + 1);
                assertThat(grown.key(at)).isSameAs(added);
                for (int probe = 0; probe < 100; probe++) {
                    byte[] key = rnd.nextInt(3) == 0 ? grown.key(rnd.nextInt(grown.keyCount())).clone()
                            : randomKey(rnd, prefix);
                    assertThat(grown.childIndex(key)).as("round %d, inserted at %d, key %s", round, at,
                            Arrays.toString(key)).isEqualTo(expectedChild(grown, key));
                }
                n = grown;
            }
        }
    }

    @Test
    void aCachedLeafsWordSearchAgreesWithTheSearchOverItsEntries() {
        Random rnd = new Random(6);
        for (int round = 0; round < 400; round++) {
            byte[] prefix = randomPrefix(rnd);
            byte[][] k = sortedKeys(rnd, prefix);
            Object[] values = new Object[k.length];
            for (int i = 0; i < k.length; i++) {
                values[i] = new byte[]{(byte) i};
            }
            java.nio.ByteBuffer page = java.nio.ByteBuffer.allocate(4096);
            PageCodec.encodeLeaf(page, k, values);
            LeafPage cached = PageCodec.decodeLeafPage(page, 5, java.nio.file.Path.of("btree.db"), 5 * 4096);
            LeafPage transientLeaf = PageCodec.decodeLeafPage(page, 5, java.nio.file.Path.of("btree.db"), 5 * 4096,
                    false);
            Node decoded = Node.leaf(k, values, 4096, 5);
            Node dirty = Node.dirtyLeaf(k, values, decoded.bytes(), 1);
            for (int probe = 0; probe < 200; probe++) {
                byte[] key = rnd.nextInt(3) == 0 ? k[rnd.nextInt(k.length)].clone() : randomKey(rnd, prefix);
                int expected = linearSearch(k, key);
                assertThat(decoded.search(key)).isEqualTo(expected);
                assertThat(decoded.lookup(key)).as("clean leaf, round %d", round).isEqualTo(expected);
                assertThat(dirty.lookup(key)).isEqualTo(expected);
                assertThat(cached.search(key)).as("round %d, key %s, keys %s", round, Arrays.toString(key),
                        Arrays.deepToString(k)).isEqualTo(expected);
                assertThat(transientLeaf.search(key)).isEqualTo(expected);
                if (expected >= 0) {
                    assertThat(cached.value(expected, null)).containsExactly((byte) expected);
                    assertThat(transientLeaf.value(expected, null)).containsExactly((byte) expected);
                }
            }
        }
    }
}
