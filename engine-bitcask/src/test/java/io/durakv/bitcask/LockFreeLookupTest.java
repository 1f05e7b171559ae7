package io.durakv.bitcask;

import io.durakv.api.StoreOptions;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.durakv.bitcask.Stores.DIR;
import static io.durakv.bitcask.Stores.key;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gets look keys up without a lock while one writer inserts, overwrites and deletes keys so that the key directory's
 * table grows and shrinks and its key arena is compacted: a get returns null or a value written for that key, and
 * once a key's value of version v was read, never an older one (the writer writes versions in increasing order).
 */
class LockFreeLookupTest {

    private static final int KEYS = 3000;

    @Test
    void getsRacingAWriterThatResizesTheDirectoryNeverSeeAWrongOrOlderValue() throws Exception {
        // Cache off, so that every get also reads its record; 1 MiB files, no merges: the directory is what changes.
        try (BitcaskStore s = BitcaskStore.open(DIR, StoreOptions.builder().disk(new SimulatedDisk()).build(),
                new BitcaskConfig(1 << 20, Double.POSITIVE_INFINITY, false, 0))) {
            AtomicBoolean done = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int seed = t;
                readers.add(new Thread(() -> {
                    Random random = new Random(seed);
                    int[] newest = new int[KEYS];
                    try {
                        while (!done.get()) {
                            int k = random.nextInt(KEYS);
                            byte[] v = s.get(key(k));
                            reads.incrementAndGet();
                            if (v == null) {
                                continue;
                            }
                            int version = versionOf(v, k);
                            if (version < 0) {
                                errors.add("key " + k + " returned a value of another key");
                            } else if (version < newest[k]) {
                                errors.add("key " + k + " went back from version " + newest[k] + " to " + version);
                            } else {
                                newest[k] = version;
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e.toString());
                    }
                }));
            }
            readers.forEach(Thread::start);
            Random random = new Random(99);
            int version = 0;
            for (int round = 0; round < 12; round++) {
                version++;
                for (int k = 0; k < KEYS; k++) { // grows the table from empty, or refills it
                    s.put(key(k), value(k, version));
                }
                version++;
                for (int k = 0; k < KEYS; k++) { // deletes most keys: the table shrinks, the arena is compacted
                    if (random.nextInt(10) != 0) {
                        s.delete(key(k));
                    } else {
                        s.put(key(k), value(k, version));
                    }
                }
            }
            while (reads.get() < 20_000 && errors.isEmpty()) {
                Thread.onSpinWait(); // the readers ran at least this many gets (most of them during the writes)
            }
            done.set(true);
            for (Thread t : readers) {
                t.join();
            }
            assertThat(errors).isEmpty();
            assertThat(reads.get()).isGreaterThanOrEqualTo(20_000);
        }
    }

    private static byte[] value(int k, int version) {
        return ("v" + version + "-" + new String(key(k))).getBytes();
    }

    /** @return the version a value names if it names key {@code k}, else -1 */
    private static int versionOf(byte[] v, int k) {
        String s = new String(v);
        int dash = s.indexOf('-');
        if (dash < 2 || !s.substring(dash + 1).equals(new String(key(k)))) {
            return -1;
        }
        return Integer.parseInt(s.substring(1, dash));
    }
}
