package io.durakv.btree;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.durakv.btree.Stores.DIR;
import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes change dirty nodes in place when no open scan can reach them (TreeWriter): scans must still be point-in-time
 * views, and lookups must see every acknowledged write. Scans are opened between writes of every kind (single puts,
 * overwrites, deletes, batches, ascending appends), read a little at a time while more writes and checkpoints run, and
 * compared with the model as it was when each scan opened.
 */
class ScanIsolationTest {

    private static byte[] key(int k) {
        return bytes(String.format("k%06d", k));
    }

    private static final class OpenScan {
        final KeyValueIterator it;
        final Iterator<Map.Entry<String, String>> expected;

        OpenScan(KeyValueIterator it, TreeMap<String, String> snapshot) {
            this.it = it;
            this.expected = new TreeMap<>(snapshot).entrySet().iterator();
        }

        /** Reads up to {@code n} entries and checks them against the snapshot; @return false once exhausted */
        boolean step(int n) {
            for (int i = 0; i < n; i++) {
                if (!expected.hasNext()) {
                    assertThat(it.hasNext()).as("scan has entries its snapshot did not").isFalse();
                    it.close();
                    return false;
                }
                Map.Entry<String, String> e = expected.next();
                assertThat(it.hasNext()).as("scan ended before " + e.getKey()).isTrue();
                KeyValue kv = it.next();
                assertThat(new String(kv.key())).isEqualTo(e.getKey());
                assertThat(new String(kv.value())).as("value of " + e.getKey()).isEqualTo(e.getValue());
            }
            return true;
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void scansSeeTheirSnapshotWhileWritesChangeNodesInPlace(long seed) {
        Random rnd = new Random(seed);
        TreeMap<String, String> model = new TreeMap<>();
        List<OpenScan> scans = new ArrayList<>();
        SimulatedDisk disk = new SimulatedDisk();
        // Small pages: deep trees and frequent splits; a checkpoint every 24 KiB of log, so that nodes turn clean.
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024", "btree.checkpointBytes", "24576")) {
            int next = 0;
            for (int step = 0; step < 6000; step++) {
                int op = rnd.nextInt(100);
                if (op < 30) { // ascending append (the sequential path)
                    put(s, model, next++, "a" + step);
                } else if (op < 60) { // overwrite or insert anywhere
                    put(s, model, rnd.nextInt(next + 1), "o" + step + "x".repeat(rnd.nextInt(40)));
                } else if (op < 72) {
                    String k = new String(key(rnd.nextInt(next + 1)));
                    s.delete(bytes(k));
                    model.remove(k);
                } else if (op < 80) {
                    WriteBatch b = new WriteBatch();
                    for (int i = 0, n = 1 + rnd.nextInt(6); i < n; i++) {
                        String k = new String(key(rnd.nextInt(next + 1)));
                        if (rnd.nextInt(4) == 0) {
                            b.delete(bytes(k));
                            model.remove(k);
                        } else {
                            String v = "b" + step + "." + i;
                            b.put(bytes(k), bytes(v));
                            model.put(k, v);
                        }
                    }
                    s.write(b);
                } else if (op < 84 && scans.size() < 8) {
                    scans.add(new OpenScan(s.scan(null, null), model));
                } else if (op < 85) {
                    s.checkpointNow();
                }
                scans.removeIf(sc -> !sc.step(1 + rnd.nextInt(4)));
                if (step % 500 == 0) {
                    for (Map.Entry<String, String> e : model.entrySet()) {
                        assertThat(s.get(bytes(e.getKey()))).as(e.getKey()).isEqualTo(bytes(e.getValue()));
                    }
                }
            }
            while (!scans.isEmpty()) {
                scans.removeIf(sc -> !sc.step(50));
            }
            new OpenScan(s.scan(null, null), model).step(Integer.MAX_VALUE);
            s.verify();
        }
        try (BTreeStore s = Stores.open(disk, DIR)) {
            new OpenScan(s.scan(null, null), model).step(Integer.MAX_VALUE);
            s.verify();
        }
    }

    private static void put(BTreeStore s, TreeMap<String, String> model, int k, String v) {
        s.put(key(k), bytes(v));
        model.put(new String(key(k)), v);
    }

    /**
     * A writer updates keys N-1 down to 0 in rounds, one put each, so every point-in-time view holds non-decreasing
     * rounds along the keys, at most one apart. Scanners running concurrently (slowly) check that: a scan that saw a
     * node changed in place after it opened would see a key two rounds ahead of a key it read earlier.
     */
    @Test
    void concurrentScansNeverSeeWritesMadeAfterTheyOpened() throws Exception {
        int n = 400;
        SimulatedDisk disk = new SimulatedDisk();
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024", "btree.checkpointBytes", "65536")) {
            for (int k = 0; k < n; k++) {
                s.put(key(k), bytes("0"));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong scansChecked = new AtomicLong();
            List<Throwable> errors = new ArrayList<>();
            List<Thread> scanners = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                scanners.add(new Thread(() -> {
                    try {
                        while (!stop.get()) {
                            int[] rounds = new int[n];
                            int i = 0;
                            try (KeyValueIterator it = s.scan(null, null)) {
                                while (it.hasNext()) {
                                    KeyValue kv = it.next();
                                    assertThat(kv.key()).isEqualTo(key(i));
                                    rounds[i++] = Integer.parseInt(new String(kv.value()));
                                    if (i % 50 == 0) {
                                        Thread.yield();
                                    }
                                }
                            }
                            assertThat(i).isEqualTo(n);
                            for (int k = 1; k < n; k++) {
                                assertThat(rounds[k]).as("round of key %d after key %d: %s", k, k - 1,
                                        Arrays.toString(rounds)).isBetween(rounds[k - 1], rounds[0] + 1);
                            }
                            assertThat(rounds[n - 1] - rounds[0]).isLessThanOrEqualTo(1);
                            scansChecked.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        synchronized (errors) {
                            errors.add(e);
                        }
                    }
                }));
            }
            scanners.forEach(Thread::start);
            try {
                for (int round = 1; round <= 60 && errors.isEmpty(); round++) {
                    for (int k = n - 1; k >= 0; k--) {
                        s.put(key(k), bytes(Integer.toString(round)));
                    }
                }
            } finally {
                stop.set(true);
                for (Thread t : scanners) {
                    t.join();
                }
            }
            assertThat(errors).isEmpty();
            assertThat(scansChecked.get()).isPositive();
            s.verify();
        }
    }
}
