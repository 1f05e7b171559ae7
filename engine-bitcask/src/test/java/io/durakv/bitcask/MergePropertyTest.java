package io.durakv.bitcask;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.durakv.bitcask.Stores.key;
import static io.durakv.bitcask.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random histories of puts with values up to 6 KB (so that 64 KiB data files rotate), deletes, batches, merges,
 * reopens and scans against a sorted-map model: the test kit's property test uses tiny values that never rotate a
 * data file, this one makes rotation, segment hints and merges part of every history.
 */
class MergePropertyTest {

    /** One step: kind 0-3 put, 4 delete, 5 batch of the next keys, 6 merge, 7 reopen. */
    record Step(int kind, int key, int size) {
    }

    @Provide
    Arbitrary<List<Step>> histories() {
        Arbitrary<Step> step = net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 7),
                Arbitraries.integers().between(0, 19), Arbitraries.integers().between(0, 6000)).as(Step::new);
        return step.list().ofMinSize(20).ofMaxSize(150);
    }

    @Property(tries = 40)
    void storeMatchesTheModelAcrossMergesAndReopens(@ForAll("histories") List<Step> history) throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Map<String, byte[]> model = new TreeMap<>();
        BitcaskStore s = Stores.open(disk);
        try {
            int version = 0;
            for (Step st : history) {
                version++;
                switch (st.kind()) {
                    case 4 -> {
                        s.delete(key(st.key()));
                        model.remove(new String(key(st.key())));
                    }
                    case 5 -> {
                        WriteBatch b = new WriteBatch();
                        for (int k = st.key(); k < st.key() + 4; k++) {
                            if (k % 3 == 0) {
                                b.delete(key(k));
                                model.remove(new String(key(k)));
                            } else {
                                byte[] v = value(k, version, st.size() / 4);
                                b.put(key(k), v);
                                model.put(new String(key(k)), v);
                            }
                        }
                        s.write(b);
                    }
                    case 6 -> s.mergeNow();
                    case 7 -> {
                        s.close();
                        s = Stores.open(disk);
                    }
                    default -> {
                        byte[] v = value(st.key(), version, st.size());
                        s.put(key(st.key()), v);
                        model.put(new String(key(st.key())), v);
                    }
                }
            }
            check(s, model);
            s.verify();
            s.close();
            s = Stores.open(disk);
            check(s, model);
        } finally {
            s.close();
        }
    }

    private static void check(BitcaskStore s, Map<String, byte[]> model) {
        for (int k = 0; k < 24; k++) {
            assertThat(s.get(key(k))).as("key %d", k).isEqualTo(model.get(new String(key(k))));
        }
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator it = s.scan(null, null)) {
            while (it.hasNext()) {
                KeyValue kv = it.next();
                keys.add(new String(kv.key()));
                assertThat(Arrays.equals(kv.value(), model.get(new String(kv.key())))).isTrue();
            }
        }
        assertThat(keys).containsExactlyElementsOf(model.keySet());
    }
}
