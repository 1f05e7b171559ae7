package io.durakv.bitcask;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The scan's key sort ({@link ScanIterator#order}) agrees with unsigned byte order on awkward key sets. */
class ScanOrderTest {

    @Test
    void sortsLikeUnsignedByteComparison() {
        Random random = new Random(42);
        for (int round = 0; round < 300; round++) {
            int n = random.nextInt(round < 10 ? 3 : 2000);
            byte[] shared = new byte[random.nextInt(12)];
            random.nextBytes(shared);
            int alphabet = 1 + random.nextInt(round % 3 == 0 ? 2 : 256); // small alphabets: many five-byte ties
            byte[][] keys = new byte[n][];
            for (int i = 0; i < n; i++) {
                int extra = random.nextInt(10);
                byte[] k = Arrays.copyOf(shared, random.nextInt(4) == 0 ? random.nextInt(shared.length + 1)
                        : shared.length + extra);
                for (int b = shared.length; b < k.length; b++) {
                    k[b] = (byte) (random.nextInt(alphabet) - (alphabet > 128 ? 128 : 0));
                }
                keys[i] = random.nextInt(20) == 0 && i > 0 ? keys[i - 1].clone() : k;
            }
            int[] order = ScanIterator.order(keys, n);
            Integer[] expected = new Integer[n];
            Arrays.setAll(expected, i -> i);
            Arrays.sort(expected, (a, b) -> Arrays.compareUnsigned(keys[a], keys[b]));
            assertThat(Arrays.stream(order).distinct().count()).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                assertThat(keys[order[i]]).as("round %d position %d", round, i).isEqualTo(keys[expected[i]]);
            }
        }
    }
}
