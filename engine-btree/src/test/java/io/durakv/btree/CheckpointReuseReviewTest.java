package io.durakv.btree;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of background checkpoints against readers: one writer churns a tree much larger than a tiny buffer pool
 * (small and large values, overwrites, deletes, batches) while background checkpoints free and reuse pages, and
 * lookups and scans run throughout. Every value names its key and is filled from its key and a counter, so a reader
 * handed a reused page (another node, another chain, a free-list page) sees a value that is not well-formed, or a
 * corruption error; scans must also see their keys in order. At the end the store verifies and holds exactly what the
 * single writer wrote, also after reopening.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CheckpointReuseReviewTest {

    private static String key(int i) {
        return String.format("k%05d", i);
    }

    /** A value for {@code key}: the key, a counter, then bytes derived from both; {@code length} >= key + 8. */
    private static byte[] value(String key, long counter, int length) {
        byte[] k = bytes(key);
        ByteBuffer b = ByteBuffer.allocate(length);
        b.put(k).putLong(counter);
        int seed = key.hashCode() * 31 + Long.hashCode(counter);
        while (b.hasRemaining()) {
            b.put((byte) (seed = seed * 1103515245 + 12345));
        }
        return b.array();
    }

    /** @return null if {@code v} is a well-formed value of {@code key}, else what is wrong */
    private static String malformed(String key, byte[] v) {
        byte[] k = bytes(key);
        if (v.length < k.length + 8 || !Arrays.equals(v, 0, k.length, k, 0, k.length)) {
            return "value of " + v.length + " bytes does not start with key " + key;
        }
        long counter = ByteBuffer.wrap(v, k.length, 8).getLong();
        if (!Arrays.equals(v, value(key, counter, v.length))) {
            return "value of " + key + " (counter " + counter + ", " + v.length + " bytes) has wrong bytes";
        }
        return null;
    }

    @Test
    void lookupsAndScansNeverSeeAReusedPageWhileBackgroundCheckpointsChurn() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        SlowForceDisk slow = new SlowForceDisk(disk, 1, BTreeFormat.DATA_FILE);
        String[] props = {"btree.pageBytes", "1024", "btree.checkpointBytes", "8192", "btree.cacheBytes", "65536"};
        BTreeStore s = Stores.open(slow, Stores.DIR, props);
        TreeMap<String, byte[]> model = new TreeMap<>();
        int keys = 1500;
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        AtomicLong scans = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            int seed = r;
            readers.add(new Thread(() -> {
                Random rnd = new Random(seed);
                try {
                    while (!stop.get()) {
                        String k = key(rnd.nextInt(keys));
                        byte[] v = s.get(bytes(k));
                        if (v != null && malformed(k, v) != null) {
                            throw new AssertionError("get: " + malformed(k, v));
                        }
                        reads.incrementAndGet();
                    }
                } catch (Throwable t) {
                    errors.add(t);
                }
            }, "reader-" + r));
        }
        readers.add(new Thread(() -> {
            Random rnd = new Random(7);
            try {
                while (!stop.get()) {
                    int from = rnd.nextInt(keys);
                    String prev = null;
                    int n = 0;
                    try (KeyValueIterator it = s.scan(bytes(key(from)), null)) {
                        while (it.hasNext() && n < 200) {
                            KeyValue kv = it.next();
                            String k = new String(kv.key(), java.nio.charset.StandardCharsets.UTF_8);
                            if (prev != null && prev.compareTo(k) >= 0) {
                                throw new AssertionError("scan: " + k + " after " + prev);
                            }
                            String bad = malformed(k, kv.value());
                            if (bad != null) {
                                throw new AssertionError("scan: " + bad);
                            }
                            prev = k;
                            n++;
                            if (n % 50 == 0) {
                                Thread.sleep(1); // keep the scan open across checkpoints
                            }
                        }
                    }
                    scans.incrementAndGet();
                }
            } catch (Throwable t) {
                errors.add(t);
            }
        }, "scanner"));
        readers.forEach(Thread::start);

        Random rnd = new Random(1);
        long counter = 0;
        long deadline = System.nanoTime() + 4_000_000_000L;
        try {
            while (System.nanoTime() < deadline && errors.isEmpty()) {
                int op = rnd.nextInt(10);
                if (op < 6) {
                    String k = key(rnd.nextInt(keys));
                    int len = rnd.nextInt(8) == 0 ? 600 + rnd.nextInt(1500) : 20 + rnd.nextInt(120);
                    byte[] v = value(k, ++counter, len);
                    s.put(bytes(k), v);
                    model.put(k, v);
                } else if (op < 8) {
                    String k = key(rnd.nextInt(keys));
                    s.delete(bytes(k));
                    model.remove(k);
                } else {
                    WriteBatch b = new WriteBatch();
                    int base = rnd.nextInt(keys - 20);
                    for (int j = 0; j < 10; j++) {
                        String k = key(base + rnd.nextInt(20));
                        if (rnd.nextInt(4) == 0) {
                            b.delete(bytes(k));
                            model.remove(k);
                        } else {
                            byte[] v = value(k, ++counter, 20 + rnd.nextInt(rnd.nextInt(6) == 0 ? 1500 : 100));
                            b.put(bytes(k), v);
                            model.put(k, v);
                        }
                    }
                    s.write(b);
                }
            }
        } finally {
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
        }
        assertThat(errors).as("reader errors").isEmpty();
        assertThat(reads.get()).isPositive();
        assertThat(scans.get()).isPositive();
        s.verify();
        Stores.checkContent(s, model, "before close");
        s.close();
        assertThat(Stores.header(disk, Stores.DIR).generation()).as("checkpoints ran during the churn")
                .isGreaterThan(10);
        try (BTreeStore again = Stores.open(slow, Stores.DIR, props)) {
            again.verify();
            Stores.checkContent(again, model, "after reopen");
        }
    }
}
