package io.durakv.bitcask;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scans reuse one sorted copy of the key directory while nothing is written (a read-only phase sorts once), and never
 * see a write made after they started, nor miss one made before.
 */
class ScanCacheTest {

    @Test
    void repeatedScansShareOneSortAndWritesInvalidateIt() {
        try (BitcaskStore s = Stores.open(new SimulatedDisk())) {
            for (int i = 999; i >= 0; i--) {
                s.put(key(i), ("v" + i).getBytes());
            }
            assertThat(keys(s, key(100), key(110))).containsExactly(range(100, 110));
            assertThat(s.scanCache).as("one scan at a version sorts only its range").isNull();
            assertThat(keys(s, key(200), key(205))).containsExactly(range(200, 205));
            ScanIterator.Sorted cached = s.scanCache;
            assertThat(cached).as("the second scan at the same version sorts everything once").isNotNull();
            assertThat(cached.keys().length).isEqualTo(1000);
            assertThat(keys(s, null, key(3))).containsExactly(range(0, 3));
            assertThat(keys(s, key(998), null)).containsExactly(range(998, 1000));
            assertThat(s.scanCache).as("reused").isSameAs(cached);

            KeyValueIterator before = s.scan(key(500), key(503));
            s.put(key(501), "new".getBytes());
            s.delete(key(502));
            List<KeyValue> old = new ArrayList<>();
            before.forEachRemaining(old::add);
            before.close();
            assertThat(old).extracting(kv -> new String(kv.value())).containsExactly("v500", "v501", "v502");
            try (KeyValueIterator after = s.scan(key(500), key(503))) {
                List<String> values = new ArrayList<>();
                after.forEachRemaining(kv -> values.add(new String(kv.value())));
                assertThat(values).containsExactly("v500", "new");
            }
            assertThat(s.scanCache).as("a write invalidates the sorted copy").isNull();
        }
    }

    private static List<String> keys(BitcaskStore s, byte[] from, byte[] to) {
        List<String> out = new ArrayList<>();
        try (KeyValueIterator it = s.scan(from, to)) {
            it.forEachRemaining(kv -> out.add(new String(kv.key())));
        }
        return out;
    }

    private static String[] range(int from, int to) {
        String[] r = new String[to - from];
        for (int i = from; i < to; i++) {
            r[i - from] = new String(key(i));
        }
        return r;
    }

    private static byte[] key(int i) {
        return String.format("k%05d", i).getBytes();
    }
}
