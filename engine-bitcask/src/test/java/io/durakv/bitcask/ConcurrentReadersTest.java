package io.durakv.bitcask;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.durakv.bitcask.Stores.DIR;
import static io.durakv.bitcask.Stores.key;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Readers racing background merges: gets and scans never fail, never see a value of another key or an older version
 * than one they saw before, and scans stay ordered, while the merge thread copies, re-points and deletes files.
 */
class ConcurrentReadersTest {

    private static final int KEYS = 32;

    private static byte[] value(int key, int version) {
        byte[] v = new byte[2500];
        byte[] tag = (key + ":" + version + ";").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(tag, 0, v, 0, tag.length);
        return v;
    }

    /** @return the version a value names, after checking it names {@code key} */
    private static int versionOf(int key, byte[] v) {
        String s = new String(v, 0, 20, StandardCharsets.US_ASCII);
        String[] parts = s.substring(0, s.indexOf(';')).split(":");
        assertThat(Integer.parseInt(parts[0])).isEqualTo(key);
        return Integer.parseInt(parts[1]);
    }

    @Test
    void readersNeverFailOrGoBackInTimeWhileMergesRun() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        StoreOptions options = StoreOptions.builder().syncMode(SyncMode.NONE).disk(disk)
                .property("bitcask.fileBytes", "65536").property("bitcask.mergeDeadRatio", "0.2").build();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        long generation;
        int last;
        try (BitcaskStore store = BitcaskStore.open(DIR, options)) {
            for (int i = 0; i < KEYS; i++) {
                store.put(key(i), value(i, 0));
            }
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                boolean scans = t == 0;
                readers.add(new Thread(() -> {
                    int[] seen = new int[KEYS];
                    try {
                        while (!done.get()) {
                            if (scans) {
                                checkScan(store);
                            } else {
                                for (int i = 0; i < KEYS; i++) {
                                    int version = versionOf(i, store.get(key(i)));
                                    assertThat(version).isGreaterThanOrEqualTo(seen[i]);
                                    seen[i] = version;
                                }
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            readers.forEach(Thread::start);
            // At least 60 rounds, and on until the background thread has switched two merges (a busy machine may
            // schedule it late).
            int version = 0;
            while (++version <= 60 || (store.generation < 2 && version <= 20_000)) {
                for (int i = 0; i < KEYS; i++) {
                    store.put(key(i), value(i, version));
                }
            }
            last = version - 1;
            done.set(true);
            for (Thread t : readers) {
                t.join();
            }
            generation = store.generation;
        }
        assertThat(errors).isEmpty();
        assertThat(generation).as("merges run during the test").isGreaterThan(1);
        try (KeyValueStore store = BitcaskStore.open(DIR, options)) {
            for (int i = 0; i < KEYS; i++) {
                assertThat(store.get(key(i))).isEqualTo(value(i, last));
            }
        }
    }

    private static void checkScan(KeyValueStore store) {
        byte[] previous = null;
        int n = 0;
        try (KeyValueIterator it = store.scan(null, null)) {
            while (it.hasNext()) {
                KeyValue kv = it.next();
                if (previous != null) {
                    assertThat(Arrays.compareUnsigned(previous, kv.key())).isNegative();
                }
                previous = kv.key();
                int i = Integer.parseInt(new String(kv.key(), StandardCharsets.UTF_8).substring(4));
                versionOf(i, kv.value());
                n++;
            }
        }
        assertThat(n).isEqualTo(KEYS);
    }
}
