package io.durakv.lsm;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.durakv.lsm.Stores.key;
import static io.durakv.lsm.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;

/** The read path over several levels: bloom filters spare block reads, ranged scans seek into levels. */
class ReadPathTest {

    private static final String[] PROPS = {"lsm.memtableBytes", "4096", "lsm.level0Trigger", "2",
            "lsm.levelBaseBytes", "8192", "lsm.targetFileBytes", "4096", "wal.segmentBytes", "65536"};

    @Test
    void lookupsOfAbsentKeysInsideTableRangesAreMostlyAnsweredByBloomFilters() {
        assertThat(absentKeyBlockReads("10")).as("data blocks touched by 1000 absent-key lookups").isLessThan(60);
        // With 1-bit filters (most lookups pass them) the same lookups read hundreds of blocks: the figure above
        // is the filters' doing.
        assertThat(absentKeyBlockReads("1")).isGreaterThanOrEqualTo(300);
    }

    private static long absentKeyBlockReads(String bloomBitsPerKey) {
        String[] props = java.util.Arrays.copyOf(PROPS, PROPS.length + 2);
        props[PROPS.length] = "lsm.bloomBitsPerKey";
        props[PROPS.length + 1] = bloomBitsPerKey;
        try (LsmStore s = Stores.open(new SimulatedDisk(), false, props)) {
            for (int i = 0; i < 2000; i += 2) {
                s.put(key(i), value(i, 0)); // even keys only: odd ones fall inside table ranges but are absent
            }
            assertThat(s.versions.current().allFiles().size()).isGreaterThan(5);
            long missesBefore = s.blockCache.misses() + s.blockCache.hits();
            for (int i = 1; i < 2000; i += 2) {
                assertThat(s.get(key(i))).isNull();
            }
            long blockReads = s.blockCache.misses() + s.blockCache.hits() - missesBefore;
            for (int i = 0; i < 2000; i += 2) {
                assertThat(s.get(key(i))).isEqualTo(value(i, 0));
            }
            return blockReads;
        }
    }

    @Test
    void rangedScansSeekIntoEveryLevel() {
        try (LsmStore s = Stores.open(new SimulatedDisk(), false, PROPS)) {
            for (int i = 0; i < 1500; i++) {
                s.put(key(i), value(i, 0));
            }
            for (int i = 0; i < 1500; i += 3) {
                s.delete(key(i));
            }
            int deepest = 0;
            for (int l = 1; l < LsmFormat.LEVELS; l++) {
                deepest = s.versions.current().files(l).isEmpty() ? deepest : l;
            }
            assertThat(deepest).isGreaterThanOrEqualTo(2);
            for (int from : new int[]{0, 1, 299, 700, 1234, 1499}) {
                List<Integer> got = new ArrayList<>();
                try (KeyValueIterator it = s.scan(key(from), key(from + 40))) {
                    while (it.hasNext()) {
                        KeyValue kv = it.next();
                        int k = Integer.parseInt(new String(kv.key()).substring(3));
                        assertThat(kv.value()).isEqualTo(value(k, 0));
                        got.add(k);
                    }
                }
                List<Integer> want = new ArrayList<>();
                for (int k = from; k < Math.min(1500, from + 40); k++) {
                    if (k % 3 != 0) {
                        want.add(k);
                    }
                }
                assertThat(got).as("scan from " + from).containsExactlyElementsOf(want);
            }
        }
    }
}
