package io.durakv.btree;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.durakv.btree.Stores.DIR;
import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lookups and scans never read a page that a checkpoint reused under them: with a tiny cache (so reads go to disk)
 * and a checkpoint every 2 KiB of log (so freed pages are reused constantly), readers check that every value they
 * see belongs to its key and that scans stay ordered.
 */
class ConcurrentReadersTest {

    private static final int KEYS = 600;

    private static byte[] key(int k) {
        return bytes(String.format("key-%05d", k));
    }

    /** A value names its key, so a value read from a wrong page is caught. Some are large (overflow chains). */
    private static byte[] value(int k, long n) {
        String head = "v(" + new String(key(k)) + ")#" + n + ":";
        int pad = n % 5 == 0 ? 1500 : (int) (n % 60);
        return bytes(head + "p".repeat(pad));
    }

    private static boolean belongs(byte[] key, byte[] value) {
        return new String(value).startsWith("v(" + new String(key) + ")#");
    }

    @Test
    void readersSeeOnlyTheirKeysValuesWhileCheckpointsReusePages() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024", "btree.checkpointBytes", "2048",
                "btree.cacheBytes", "65536")) {
            for (int k = 0; k < KEYS; k++) {
                s.put(key(k), value(k, 0));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            List<Throwable> errors = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                int id = r;
                threads.add(new Thread(() -> {
                    Random rnd = new Random(id);
                    while (!stop.get()) {
                        int k = rnd.nextInt(KEYS);
                        byte[] v = s.get(key(k));
                        if (v != null && !belongs(key(k), v)) {
                            throw new AssertionError("get(" + k + ") returned another key's value");
                        }
                        reads.incrementAndGet();
                    }
                }));
            }
            threads.add(new Thread(() -> {
                while (!stop.get()) {
                    byte[] prev = null;
                    try (KeyValueIterator it = s.scan(null, null)) {
                        int n = 0;
                        while (it.hasNext()) {
                            KeyValue kv = it.next();
                            if (prev != null && Arrays.compareUnsigned(prev, kv.key()) >= 0) {
                                throw new AssertionError("scan out of order");
                            }
                            if (!belongs(kv.key(), kv.value())) {
                                throw new AssertionError("scan returned another key's value");
                            }
                            prev = kv.key();
                            if (++n % 50 == 0) {
                                Thread.yield(); // let the writer checkpoint in the middle of the scan
                            }
                        }
                    }
                }
            }));
            for (Thread t : threads) {
                t.setUncaughtExceptionHandler((th, e) -> {
                    synchronized (errors) {
                        errors.add(e);
                    }
                });
                t.start();
            }
            Random rnd = new Random(42);
            long deadline = System.nanoTime() + 2_000_000_000L;
            long n = 1;
            while (System.nanoTime() < deadline && errors.isEmpty()) {
                int k = rnd.nextInt(KEYS);
                if (rnd.nextInt(5) == 0) {
                    s.delete(key(k));
                } else {
                    s.put(key(k), value(k, n++));
                }
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            assertThat(errors).isEmpty();
            assertThat(reads.get()).isPositive();
            assertThat(Stores.header(disk, DIR).generation()).as("checkpoints ran").isGreaterThan(10);
            s.verify();
        }
    }
}
