package io.durakv.btree;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An internal node's child search over its word index (Node.childIndex) agrees with the plain binary search over the
 * keys, for keys that share long prefixes, hold zero bytes, are prefixes of one another, or are shorter than the
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

    /** The reference: the plain binary search over the keys. */
    private static int expectedChild(Node n, byte[] key) {
        int i = n.search(key);
        return i >= 0 ? i + 1 : -(i + 1);
    }

    @Test
    void childIndexAgreesWithThePlainSearch() {
        Random rnd = new Random(5);
        for (int round = 0; round < 400; round++) {
            byte[] prefix = new byte[rnd.nextInt(12)];
            for (int i = 0; i < prefix.length; i++) {
                prefix[i] = (byte) rnd.nextInt(3);
            }
            TreeSet<byte[]> keys = new TreeSet<>(Arrays::compareUnsigned);
            int count = 1 + rnd.nextInt(40);
            while (keys.size() < count) {
                keys.add(rnd.nextInt(8) == 0 ? randomKey(rnd, new byte[0]) : randomKey(rnd, prefix));
            }
            byte[][] k = keys.toArray(new byte[0][]);
            Node n = Node.internal(k, new Object[k.length + 1], 0);
            for (int probe = 0; probe < 200; probe++) {
                byte[] key = rnd.nextInt(3) == 0 ? k[rnd.nextInt(k.length)].clone() : randomKey(rnd, prefix);
                assertThat(n.childIndex(key)).as("round %d, key %s, keys %s", round, Arrays.toString(key),
                        Arrays.deepToString(k)).isEqualTo(expectedChild(n, key));
            }
        }
    }
}
