package io.durakv.bench.kv;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ZipfianGeneratorTest {

    @Test
    void ranksFollowTheZipfianProbabilities() {
        int items = 1000;
        ZipfianGenerator z = new ZipfianGenerator(items, ZipfianGenerator.YCSB_THETA);
        SplittableRandom r = new SplittableRandom(1);
        int draws = 400_000;
        int[] counts = new int[items];
        for (int i = 0; i < draws; i++) {
            long rank = z.next(r);
            assertThat(rank).isBetween(0L, items - 1L);
            counts[(int) rank]++;
        }
        // The two exact branches (ranks 0 and 1) and a tail rank from the approximation all within 10 %.
        for (int rank : new int[] {0, 1, 9}) {
            double expected = z.probability(rank) * draws;
            assertThat((double) counts[rank]).as("rank %d", rank).isCloseTo(expected, within(expected * 0.1));
        }
        assertThat(counts[0]).isGreaterThan(counts[1]).isGreaterThan(counts[100]);
        double probabilities = 0;
        for (int i = 0; i < items; i++) {
            probabilities += z.probability(i);
        }
        assertThat(probabilities).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void sameSeedSameSequence() {
        ZipfianGenerator z = new ZipfianGenerator(100_000, 0.99);
        SplittableRandom a = new SplittableRandom(5);
        SplittableRandom b = new SplittableRandom(5);
        for (int i = 0; i < 1000; i++) {
            assertThat(z.nextScrambled(a)).isEqualTo(z.nextScrambled(b));
        }
    }

    @Test
    void scrambledSpreadsTheHotItemsOverTheRange() {
        long items = 1_000_000;
        ZipfianGenerator z = new ZipfianGenerator(items, 0.99);
        SplittableRandom r = new SplittableRandom(3);
        long hottest = Math.floorMod(ZipfianGenerator.fnv1a64(0), items);
        int hits = 0;
        long low = 0;
        for (int i = 0; i < 100_000; i++) {
            long item = z.nextScrambled(r);
            assertThat(item).isBetween(0L, items - 1);
            if (item == hottest) {
                hits++;
            }
            if (item < items / 10) {
                low++;
            }
        }
        assertThat(hits).isCloseTo((int) (z.probability(0) * 100_000), within(1500));
        // Unscrambled, almost every draw would fall in the lowest tenth; scrambled, about a tenth of them do.
        assertThat(low).isBetween(5_000L, 20_000L);
    }

    @Test
    void rejectsBadParameters() {
        assertThatThrownBy(() -> new ZipfianGenerator(1, 0.99)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 items");
        assertThatThrownBy(() -> new ZipfianGenerator(10, 1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("theta");
    }
}
