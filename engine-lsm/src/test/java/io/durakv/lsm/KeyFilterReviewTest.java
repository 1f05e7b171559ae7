package io.durakv.lsm;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review attacks on the memtable's 16-byte key prefix and per-memtable key filter: a reader on another thread must see
 * every put and delete published before it looks; keys shorter than, equal to and longer than 16 bytes, keys that are
 * zero-padded prefixes of one another and keys that differ only after byte 16 are told apart in gets, scans, flushes
 * and after reopening.
 */
class KeyFilterReviewTest {

    private static final String[] TINY = {"lsm.memtableBytes", "4096", "lsm.level0Trigger", "2",
            "lsm.levelBaseBytes", "16384", "lsm.targetFileBytes", "4096"};

    private static byte[] keyOf(int j, Random r) {
        int len = 1 + r.nextInt(40);
        byte[] k = new byte[len];
        r.nextBytes(k);
        // Mostly a shared 16-byte head (zeros), so that keys differ only after byte 16 or by length.
        if (len > 4 && r.nextBoolean()) {
            Arrays.fill(k, 0, Math.min(len, 16), (byte) 0);
        }
        k[len - 1] = (byte) j; // spread
        if (len >= 4) {
            k[len - 4] = (byte) (j >>> 8);
        }
        return k;
    }

    @Test
    void aReaderOnAnotherThreadSeesEveryPublishedPutAndDelete() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        int n = 3000;
        Random r = new Random(42);
        List<byte[]> keys = new ArrayList<>();
        TreeMap<byte[], Integer> seen = new TreeMap<>(Arrays::compareUnsigned);
        while (keys.size() < n) {
            byte[] k = keyOf(keys.size(), r);
            if (seen.putIfAbsent(k, keys.size()) == null) {
                keys.add(k);
            }
        }
        try (LsmStore s = Stores.open(sim, true, TINY)) {
            AtomicInteger published = new AtomicInteger(-1); // puts 0..published done
            AtomicInteger deleted = new AtomicInteger(-1); // deletes 0..deleted done
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                try {
                    Random rr = new Random(7);
                    while (deleted.get() < n - 1 && failure.get() == null) {
                        int d = deleted.get();
                        int p = published.get();
                        if (p < 0) {
                            continue;
                        }
                        // The newest published one, and a random older one.
                        for (int j : new int[] {p, rr.nextInt(p + 1)}) {
                            byte[] got = s.get(keys.get(j));
                            if (j <= d) {
                                if (got != null) {
                                    throw new AssertionError("key " + j + " deleted before the get, still read");
                                }
                            } else if (deleted.get() < j && !Arrays.equals(got, value(j))) {
                                // (a delete of j may land during the get: only check while none has)
                                throw new AssertionError("key " + j + " (" + keys.get(j).length
                                        + " bytes) put before the get, read " + Arrays.toString(got));
                            }
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            reader.start();
            for (int j = 0; j < n && failure.get() == null; j++) {
                s.put(keys.get(j), value(j));
                published.set(j);
            }
            for (int j = 0; j < n && failure.get() == null; j++) {
                s.delete(keys.get(j));
                deleted.set(j);
            }
            reader.join(60_000);
            assertThat(reader.isAlive()).isFalse();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertThat(s.stats.flushes.get()).as("flushes ran meanwhile").isPositive();
        }
    }

    private static byte[] value(int j) {
        return ("v" + j).getBytes();
    }

    /** Keys around the 8- and 16-byte prefixes: zero-padded prefixes of each other, differing only after byte 16. */
    private static List<byte[]> trickyKeys() {
        List<byte[]> out = new ArrayList<>();
        out.add(new byte[0]);
        for (int len = 1; len <= 34; len++) {
            out.add(new byte[len]); // all zeros: each a zero-padded prefix of the next
            byte[] a = new byte[len];
            Arrays.fill(a, (byte) 'a');
            out.add(a);
            byte[] z = new byte[len];
            z[len - 1] = 1; // zeros then a 1 at the end
            out.add(z);
            byte[] ff = new byte[len];
            Arrays.fill(ff, (byte) 0xFF);
            out.add(ff);
        }
        for (int b = 16; b < 24; b++) { // same 16 bytes, differ at byte b
            for (int v = 0; v < 3; v++) {
                byte[] k = new byte[24];
                Arrays.fill(k, 0, 16, (byte) 'p');
                k[b] = (byte) (v * 0x7F);
                out.add(k);
            }
        }
        return out;
    }

    @Test
    void keysAroundThe16BytePrefixAreToldApartInGetsScansFlushesAndAfterReopening() {
        SimulatedDisk sim = new SimulatedDisk();
        List<byte[]> keys = trickyKeys();
        TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        try (LsmStore s = Stores.open(sim, false, TINY)) {
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < keys.size(); i++) {
                    byte[] k = keys.get(i);
                    if ((i + round) % 5 == 0) {
                        s.delete(k);
                        model.remove(k);
                    } else {
                        byte[] v = ("r" + round + "i" + i).getBytes();
                        s.put(k, v);
                        model.put(k, v);
                    }
                }
                check(s, keys, model, "round " + round);
            }
            assertThat(s.stats.flushes.get()).isPositive();
            s.verify();
        }
        try (LsmStore s = Stores.open(sim, false, TINY)) {
            check(s, keys, model, "after reopen");
            s.verify();
        }
    }

    private static void check(LsmStore s, List<byte[]> keys, TreeMap<byte[], byte[]> model, String when) {
        for (byte[] k : keys) {
            assertThat(s.get(k)).as("%s: key %s", when, Arrays.toString(k)).isEqualTo(model.get(k));
        }
        List<byte[]> scanned = new ArrayList<>();
        try (KeyValueIterator it = s.scan(null, null)) {
            while (it.hasNext()) {
                KeyValue kv = it.next();
                assertThat(kv.value()).as("%s: scanned %s", when, Arrays.toString(kv.key()))
                        .isEqualTo(model.get(kv.key()));
                scanned.add(kv.key());
            }
        }
        List<byte[]> expected = new ArrayList<>(model.keySet());
        assertThat(scanned).as(when).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(scanned.get(i)).as("%s: scan position %d", when, i).isEqualTo(expected.get(i));
        }
        for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
            assertThat(s.get(e.getKey())).isEqualTo(e.getValue());
        }
    }

    /**
     * Several writers (records applied in order by whichever writer's turn it is), each writing batches with a key
     * twice and out of order (inserted latest first): once a writer's write returned, a reader on another thread must
     * read its newest value of every key of the batch, through memtable rotations and flushes.
     */
    @Test
    void readersSeeBatchesOfSeveralWritersOnceTheirWritesReturned() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        int writers = 3;
        int perWriter = 600;
        Random r = new Random(5);
        List<byte[]> keys = new ArrayList<>();
        TreeMap<byte[], Integer> seen = new TreeMap<>(Arrays::compareUnsigned);
        while (keys.size() < writers * perWriter) {
            byte[] k = keyOf(keys.size(), r);
            if (seen.putIfAbsent(k, keys.size()) == null) {
                keys.add(k);
            }
        }
        AtomicIntegerArray done = new AtomicIntegerArray(writers); // writer w wrote its batches 0..done-1
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger finished = new AtomicInteger();
        try (LsmStore s = Stores.open(sim, true, TINY)) {
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int me = w;
                threads.add(new Thread(() -> {
                    try {
                        for (int b = 0; b + 1 < perWriter && failure.get() == null; b += 2) {
                            byte[] k1 = keys.get(me * perWriter + b);
                            byte[] k2 = keys.get(me * perWriter + b + 1);
                            // k2 first and k1 twice: not strictly ascending, so applied latest first.
                            s.write(new WriteBatch().put(k2, value(b + 1)).put(k1, "stale".getBytes())
                                    .put(k1, value(b)));
                            done.set(me, b + 2);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    } finally {
                        finished.incrementAndGet();
                    }
                }));
            }
            Thread reader = new Thread(() -> {
                Random rr = new Random(9);
                try {
                    while (finished.get() < writers && failure.get() == null) {
                        int w = rr.nextInt(writers);
                        int d = done.get(w);
                        if (d == 0) {
                            continue;
                        }
                        for (int j : new int[] {d - 1, d - 2, rr.nextInt(d)}) {
                            byte[] got = s.get(keys.get(w * perWriter + j));
                            if (!Arrays.equals(got, value(j))) {
                                throw new AssertionError("writer " + w + " key " + j + " written before the get, read "
                                        + (got == null ? "null" : new String(got)));
                            }
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            threads.forEach(Thread::start);
            reader.start();
            for (Thread t : threads) {
                t.join(60_000);
            }
            reader.join(60_000);
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (int i = 0; i < keys.size(); i++) {
                assertThat(s.get(keys.get(i))).isEqualTo(value(i % perWriter));
            }
            assertThat(s.stats.flushes.get()).isPositive();
        }
    }

    /**
     * A memtable whose key filter is saturated (a tiny budget, thousands of keys: most probes pass the filter) must
     * still tell apart keys whose zero-padded 16-byte prefixes are equal: a key, the same key with zero bytes appended,
     * and keys of 16 and 17 bytes.
     */
    @Test
    void aSaturatedFilterDoesNotHideKeysThatDifferOnlyByTrailingZeros() {
        Memtable m = new Memtable(1024);
        int n = 4000;
        long lsn = 1;
        for (int i = 0; i < n; i++) {
            m.apply(List.of(new io.durakv.api.WriteBatch.Op(zeroPadded(i, 5), value(i))), lsn++);
            m.apply(List.of(new io.durakv.api.WriteBatch.Op(zeroPadded(i, 17), value(i + n))), lsn++);
        }
        for (int i = 0; i < n; i++) {
            for (int len : new int[] {4, 6, 8, 15, 16, 18}) {
                assertThat(m.get(zeroPadded(i, len), Long.MAX_VALUE)).as("key %d of %d bytes, never put", i, len)
                        .isNull();
            }
            assertThat(m.get(zeroPadded(i, 5), Long.MAX_VALUE).value()).isEqualTo(value(i));
            assertThat(m.get(zeroPadded(i, 17), Long.MAX_VALUE).value()).isEqualTo(value(i + n));
        }
    }

    /** @return {@code i} big-endian in 4 bytes, then zeros up to {@code length} */
    private static byte[] zeroPadded(int i, int length) {
        byte[] k = new byte[length];
        k[0] = (byte) (i >>> 24);
        k[1] = (byte) (i >>> 16);
        k[2] = (byte) (i >>> 8);
        k[3] = (byte) i;
        return k;
    }
}
