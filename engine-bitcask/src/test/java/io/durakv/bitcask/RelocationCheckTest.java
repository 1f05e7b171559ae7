package io.durakv.bitcask;

import io.durakv.api.StoreOptions;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.durakv.bitcask.Stores.DIR;
import static io.durakv.bitcask.Stores.key;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A get looks its key up before it registers as a reader and looks again only if a merge moved records meanwhile
 * ({@link BitcaskStore#relocations}). Here a whole merge (copy, re-point, switch, deletion of the replaced segments)
 * runs between a get's lookup and its registration: the get must notice and read the record's new copy, not the
 * deleted segment.
 */
class RelocationCheckTest {

    private static byte[] value(int key, int version) {
        byte[] v = new byte[200];
        Arrays.fill(v, (byte) (key * 31 + version));
        return v;
    }

    @Test
    void aMergeBetweenLookupAndRegistrationSendsTheGetToTheNewCopy() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        // Cache off (every get reads a file); merges run on the calling thread; never due by themselves.
        try (BitcaskStore s = BitcaskStore.open(DIR, StoreOptions.builder().disk(disk).build(),
                new BitcaskConfig(65536, Double.POSITIVE_INFINITY, false, 0))) {
            s.put(key(0), value(0, 0)); // the key read below: written once, in the first segment
            for (int version = 0; version < 3; version++) {
                for (int k = 1; k < 400; k++) {
                    s.put(key(k), value(k, version)); // several segments, most of them dead
                }
            }
            long firstSegment = s.wal.segmentStarts()[0];
            long generationBefore = s.generation;
            long relocationsBefore = s.relocations;
            int[] merges = {0};
            s.afterLookupForTest = () -> {
                if (merges[0]++ == 0) {
                    try {
                        s.mergeNow(); // no reader is registered: the replaced segments are deleted right away
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            };
            assertThat(s.get(key(0))).isEqualTo(value(0, 0));
            assertThat(merges[0]).isEqualTo(1);
            assertThat(s.generation).as("the merge switched").isGreaterThan(generationBefore);
            assertThat(s.relocations).as("the merge moved records").isGreaterThan(relocationsBefore);
            assertThat(s.wal.segmentStarts()[0]).as("the key's old segment is deleted").isGreaterThan(firstSegment);
            s.afterLookupForTest = null;
            for (int k = 1; k < 400; k++) {
                assertThat(s.get(key(k))).isEqualTo(value(k, 2));
            }
        }
    }
}
