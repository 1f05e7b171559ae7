package io.durakv.lsm;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class BloomFilterTest {

    private static final Path FILE = Path.of("/db/000007.sst");

    @Test
    void hashIsXxh64AsTheReferenceImplementationComputesIt() {
        // Expected values from libxxhash 0.8.1, XXH64(input, length, seed 0).
        assertThat(BloomHash.xxh64(new byte[0])).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(BloomHash.xxh64(ascii("a"))).isEqualTo(0xD24EC4F1A98C6E5BL);
        assertThat(BloomHash.xxh64(ascii("abc"))).isEqualTo(0x44BC2CF5AD770999L);
        assertThat(BloomHash.xxh64(ascii("Nobody inspects the spammish repetition")))
                .isEqualTo(0xFBCEA83C8A378BF1L);
        assertThat(BloomHash.xxh64(counting(17))).isEqualTo(0x5603E60C527599B6L);
        assertThat(BloomHash.xxh64(counting(45))).isEqualTo(0x10FDD84D6409ABDFL);
        assertThat(BloomHash.xxh64(counting(100))).isEqualTo(0x6AC1E58032166597L);
    }

    @Test
    void tenBitsPerKeyUseSevenProbesForAboutOnePercentFalsePositives() {
        assertThat(BloomFilter.probesFor(10)).isEqualTo(7);
        assertThat(BloomFilter.designFalsePositiveRate(10)).isCloseTo(0.0082, within(0.0002));
    }

    /**
     * The measured false-positive rate of a whole table's filter, 100 000 keys at 10 bits per key probed with 100 000
     * absent keys, is within a factor of 2 of the design rate, and no present key is ever reported absent.
     */
    @Test
    void measuredFalsePositiveRateIsWithinTwiceTheDesignRateAndThereAreNoFalseNegatives() throws Exception {
        int keys = 100_000;
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(FILE.getParent());
        try (SstWriter w = SstWriter.create(disk, FILE, SstOptions.defaults())) {
            for (int i = 0; i < keys; i++) {
                w.add(key(2 * i), 1, EntryKind.PUT, new byte[0]); // even numbers present
            }
            w.finish();
        }
        try (SstReader r = SstReader.open(disk, FILE, 7, null)) {
            for (int i = 0; i < keys; i++) {
                assertThat(r.mayContain(key(2 * i))).as("key %d", 2 * i).isTrue();
            }
            int falsePositives = 0;
            for (int i = 0; i < keys; i++) {
                if (r.mayContain(key(2 * i + 1))) { // odd numbers absent
                    falsePositives++;
                }
            }
            double measured = (double) falsePositives / keys;
            double design = BloomFilter.designFalsePositiveRate(10);
            System.out.printf("bloom: %d false positives in %d absent keys: %.4f %% (design %.4f %%)%n",
                    falsePositives, keys, 100 * measured, 100 * design);
            assertThat(measured).isBetween(design / 2, design * 2);
        }
    }

    @Test
    void filterRateFollowsBitsPerKey() {
        Random random = new Random(42);
        for (int bits : new int[]{4, 8, 16}) {
            int n = 20_000;
            long[] hashes = new long[n];
            for (int i = 0; i < n; i++) {
                hashes[i] = BloomHash.xxh64(key(random.nextLong()));
            }
            byte[] block = BloomFilter.build(hashes, n, bits);
            BloomFilter filter = BloomFilter.decode(block, block.length, FILE, 0);
            assertThat(filter.bits()).isEqualTo((long) n * bits);
            int fp = 0;
            int probes = 100_000;
            for (int i = 0; i < probes; i++) {
                if (filter.mayContain(key(-1 - i))) {
                    fp++;
                }
            }
            double design = BloomFilter.designFalsePositiveRate(bits);
            assertThat((double) fp / probes).as("%d bits per key", bits).isBetween(design / 2, design * 2);
        }
    }

    @Test
    void aFilterWithAnImpossibleProbeCountIsCorruption() {
        byte[] block = BloomFilter.build(new long[]{1, 2, 3}, 3, 10);
        block[0] = 31;
        assertThatThrownBy(() -> BloomFilter.decode(block, block.length, FILE, 1234))
                .isInstanceOf(CorruptionException.class)
                .satisfies(e -> assertThat(((CorruptionException) e).offset()).isEqualTo(1234));
        assertThatThrownBy(() -> BloomFilter.decode(new byte[]{7}, 1, FILE, 5))
                .isInstanceOf(CorruptionException.class);
    }

    /** @return "user-" and {@code n} as 12 decimal digits: keys in the order of their numbers */
    private static byte[] key(long n) {
        byte[] k = {'u', 's', 'e', 'r', '-', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0'};
        long v = Math.abs(n);
        for (int i = k.length - 1; v != 0 && i >= 5; i--) {
            k[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        if (n < 0) {
            k[4] = '~';
        }
        return k;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] counting(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }
}
