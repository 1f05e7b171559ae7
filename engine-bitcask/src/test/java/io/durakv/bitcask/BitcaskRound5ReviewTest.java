package io.durakv.bitcask;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static io.durakv.bitcask.Stores.DIR;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of bitcask round 5 through the store: one-probe writes, the word-at-a-time hash and short inline keys, the
 * prefetch before encoding, the merge check from a memo ({@link Space#shouldMergeMemo}), hints written into plain
 * arrays and the value cache that rewrites evicted entries, all compared against a model under seeded workloads with
 * 64 KiB data files and a value cache of a few KiB.
 */
class BitcaskRound5ReviewTest {

    private static final double RATIO = 0.3;

    private static StoreOptions options(SimulatedDisk disk, long cacheBytes, boolean background) {
        return StoreOptions.builder().syncMode(SyncMode.SYNC).disk(disk)
                .property("bitcask.fileBytes", "65536")
                .property("bitcask.mergeDeadRatio", Double.toString(RATIO))
                .property("bitcask.backgroundMerge", background ? "1" : "0")
                .property("bitcask.cacheBytes", Long.toString(cacheBytes))
                .build();
    }

    /** Keys of every length 0..17 (in the entry up to 16, in the arena from 17), differing only in the last byte or length. */
    private static List<byte[]> keys(Random r) {
        Map<ByteBuffer, byte[]> keys = new java.util.LinkedHashMap<>();
        for (int length = 0; length <= 17; length++) {
            byte[] zero = new byte[length];
            keys.putIfAbsent(ByteBuffer.wrap(zero), zero);
            for (int last = 0; last < 6 && length > 0; last++) {
                byte[] k = new byte[length];
                Arrays.fill(k, (byte) 'k');
                k[length - 1] = (byte) (last == 5 ? 0xFF : last);
                keys.putIfAbsent(ByteBuffer.wrap(k), k);
            }
        }
        while (keys.size() < 260) {
            byte[] k = new byte[r.nextInt(30)];
            r.nextBytes(k);
            keys.putIfAbsent(ByteBuffer.wrap(k), k);
        }
        return new ArrayList<>(keys.values());
    }

    private static void assertNoMergeDue(BitcaskStore s, String at) {
        s.keysLock.readLock().lock();
        try {
            assertThat(s.space.shouldMerge(RATIO)).as("a merge is due but did not run, %s", at).isFalse();
        } finally {
            s.keysLock.readLock().unlock();
        }
    }

    private static void assertMatches(BitcaskStore s, List<byte[]> keys, Map<ByteBuffer, byte[]> model, String at) {
        for (byte[] k : keys) {
            assertThat(s.get(k)).as("%s key %s", at, Arrays.toString(k)).isEqualTo(model.get(ByteBuffer.wrap(k)));
        }
        Map<byte[], byte[]> sorted = new TreeMap<>(Arrays::compareUnsigned);
        model.forEach((k, v) -> sorted.put(k.array(), v));
        try (KeyValueIterator it = s.scan(null, null)) {
            Iterator<Map.Entry<byte[], byte[]>> want = sorted.entrySet().iterator();
            while (it.hasNext()) {
                KeyValue kv = it.next();
                assertThat(want.hasNext()).as("%s: scan returns more than the model", at).isTrue();
                Map.Entry<byte[], byte[]> w = want.next();
                assertThat(kv.key()).as(at).isEqualTo(w.getKey());
                assertThat(kv.value()).as(at).isEqualTo(w.getValue());
            }
            assertThat(want.hasNext()).as("%s: scan misses keys", at).isFalse();
        }
    }

    /**
     * Seeded single-threaded workloads (puts of 0..2 000-byte values, deletes, batches that touch one key twice, gets)
     * on 64 KiB files with merges on the writing thread at a dead ratio of 0.3, clean reopens (hint files, partial
     * hints of the active segment) and power losses (SYNC: every acknowledged write survives): every get and every full
     * scan matches the model, and after every write (and every open) no merge is left due, i.e. the memo never hid a
     * change of the sealed files' figures: not across rotations, deletes, merges nor reopens.
     */
    @Test
    void seededWorkloadsMatchAModelAndNoMergeStaysDue() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            Random r = new Random(seed);
            List<byte[]> keys = keys(r);
            SimulatedDisk disk = new SimulatedDisk();
            Map<ByteBuffer, byte[]> model = new java.util.HashMap<>();
            BitcaskStore s = BitcaskStore.open(DIR, options(disk, 16 * 2048, false));
            long merges = 0;
            long hintsSeen = 0;
            int reopens = 0;
            int crashes = 0;
            try {
                for (int step = 0; step < 3000; step++) {
                    String at = "seed " + seed + " step " + step;
                    int what = r.nextInt(1000);
                    byte[] k = keys.get(r.nextInt(keys.size()));
                    long generation = s.generation;
                    if (what < 450) {
                        byte[] v = new byte[r.nextInt(2000)];
                        r.nextBytes(v);
                        s.put(k, v);
                        model.put(ByteBuffer.wrap(k), v);
                    } else if (what < 600) {
                        s.delete(k);
                        model.remove(ByteBuffer.wrap(k));
                    } else if (what < 700) {
                        WriteBatch b = new WriteBatch();
                        for (int i = 0; i < 2 + r.nextInt(4); i++) {
                            byte[] bk = i == 2 ? k : keys.get(r.nextInt(keys.size())); // k again: twice in one record
                            if (r.nextInt(3) == 0) {
                                b.delete(bk);
                                model.remove(ByteBuffer.wrap(bk));
                            } else {
                                byte[] v = new byte[r.nextInt(300)];
                                r.nextBytes(v);
                                b.put(bk, v);
                                model.put(ByteBuffer.wrap(bk), v);
                            }
                        }
                        b.put(k, new byte[]{(byte) step});
                        model.put(ByteBuffer.wrap(k), new byte[]{(byte) step});
                        s.write(b);
                    } else if (what < 990) {
                        assertThat(s.get(k)).as("%s get %s", at, Arrays.toString(k))
                                .isEqualTo(model.get(ByteBuffer.wrap(k)));
                        continue;
                    } else if (what < 995) {
                        s.close();
                        hintsSeen += disk.list(DIR).stream().filter(n -> n.endsWith(".hint")).count();
                        s = BitcaskStore.open(DIR, options(disk, 16 * 2048, false));
                        reopens++;
                        assertMatches(s, keys, model, at + " after a reopen");
                    } else {
                        hintsSeen += disk.list(DIR).stream().filter(n -> n.endsWith(".hint")).count();
                        SimulatedDisk image = disk.crash(seed * 100_000 + step);
                        s.close();
                        disk = image;
                        s = BitcaskStore.open(DIR, options(disk, 16 * 2048, false));
                        crashes++;
                        assertMatches(s, keys, model, at + " after a power loss");
                    }
                    merges += s.generation - generation > 0 ? 1 : 0;
                    assertNoMergeDue(s, at);
                }
                assertMatches(s, keys, model, "seed " + seed + " at the end");
            } finally {
                s.close();
            }
            assertThat(merges).as("merges run, seed %d", seed).isGreaterThan(3);
            assertThat(hintsSeen).as("hint files on disk at reopens, seed %d", seed).isPositive();
            assertThat(reopens + crashes).as("reopens, seed %d", seed).isPositive();
        }
    }

    private static final int VALUE = 64;

    /** Version 0 is the key's absent start; versions 3, 7, 11, ... are deletes. */
    private static boolean isDelete(int version) {
        return version == 0 || version % 4 == 3;
    }

    private static byte[] value(int k, int version) {
        byte[] v = new byte[VALUE];
        ByteBuffer.wrap(v).putInt(k).putInt(version);
        for (int i = 8; i < VALUE; i++) {
            v[i] = (byte) (k * 31 + version * 7 + i);
        }
        return v;
    }

    /** @return the version {@code v} is of key {@code k}, or -1 if it is not exactly a value written for {@code k} */
    private static int versionOf(byte[] v, int k) {
        if (v.length != VALUE || ByteBuffer.wrap(v).getInt() != k) {
            return -1;
        }
        int version = ByteBuffer.wrap(v).getInt(4);
        return Arrays.equals(v, value(k, version)) ? version : -1;
    }

    /**
     * Gets after acknowledged writes, with a value cache of 1 KiB per shard (eight entries of 16 slots for 16 keys a shard: fills evict, and with
     * keys and values of one length every fill rewrites an evicted entry that lookups on other threads may still hold),
     * background merges at a dead ratio of 0.3 on 64 KiB files, and a key directory that grows and shrinks as keys come
     * and go. Each key has one writer, which writes versions 1, 2, 3, ... (every fourth a delete) and reads its own
     * write back; readers check each get against the versions acknowledged before and after it: a get returns a version
     * from that window (never an older, acknowledged-over one, and never a deleted key's old value), exactly the bytes
     * written for that key and version, or null only if a delete falls in the window. The cache stays in its budget.
     */
    @Test
    void getsNeverReturnAValueOlderThanTheLastAcknowledgedWrite() throws Exception {
        int keys = 256;
        int writers = 2;
        long cacheBytes = 16 * 1024;
        byte[][] keyBytes = new byte[keys][];
        for (int k = 0; k < keys; k++) {
            keyBytes[k] = String.format("key-%04d", k).getBytes(); // one length: entries of one size in the cache
        }
        AtomicIntegerArray acked = new AtomicIntegerArray(keys);
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        try (BitcaskStore s = BitcaskStore.open(DIR, options(new SimulatedDisk(), cacheBytes, true))) {
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int me = w;
                threads.add(new Thread(() -> {
                    Random r = new Random(me);
                    int[] version = new int[keys];
                    try {
                        for (int op = 0; op < 6000 && errors.isEmpty(); op++) {
                            int k = me + writers * r.nextInt(keys / writers);
                            int v = ++version[k];
                            if (isDelete(v)) {
                                s.delete(keyBytes[k]);
                            } else {
                                s.put(keyBytes[k], value(k, v));
                            }
                            acked.set(k, v);
                            byte[] got = s.get(keyBytes[k]);
                            if (isDelete(v) ? got != null : !Arrays.equals(got, value(k, v))) {
                                errors.add("key " + k + ": own read after writing version " + v + " returned "
                                        + (got == null ? "null" : "version " + versionOf(got, k)));
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e.toString());
                    }
                }));
            }
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int seed = 100 + t;
                readers.add(new Thread(() -> {
                    Random r = new Random(seed);
                    try {
                        for (long n = 0; n < 2_000_000 && !done.get() && errors.isEmpty(); n++) {
                            int k = r.nextInt(keys);
                            int before = acked.get(k);
                            byte[] got = s.get(keyBytes[k]);
                            int after = acked.get(k);
                            if (got == null) {
                                boolean deleteInWindow = false;
                                for (int v = before; v <= after + 1; v++) {
                                    deleteInWindow |= isDelete(v);
                                }
                                if (!deleteInWindow) {
                                    errors.add("key " + k + ": null while versions " + before + ".." + (after + 1)
                                            + " are all puts");
                                }
                                continue;
                            }
                            int v = versionOf(got, k);
                            if (v < 0) {
                                errors.add("key " + k + ": bytes that are no value written for it");
                            } else if (v < before || v > after + 1 || isDelete(v)) {
                                errors.add("key " + k + ": version " + v + " outside " + before + ".." + (after + 1));
                            }
                            if ((n & 4095) == 0) {
                                long used = s.cache.bytes() + s.cache.spareBytes() + s.cache.tableBytes();
                                if (used > cacheBytes) {
                                    errors.add("cache holds " + used + " bytes, over its budget of " + cacheBytes);
                                }
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e.toString());
                    }
                }));
            }
            race(readers, threads, done);
            assertThat(errors).isEmpty();
            assertThat(s.cache.reused()).as("fills that rewrote an evicted entry").isPositive();
            assertThat(s.cache.bytes() + s.cache.spareBytes() + s.cache.tableBytes()).isLessThanOrEqualTo(cacheBytes);
            for (int k = 0; k < keys; k++) {
                int v = acked.get(k);
                byte[] got = s.get(keyBytes[k]);
                if (isDelete(v)) {
                    assertThat(got).as("key %d", k).isNull();
                } else {
                    assertThat(got).as("key %d", k).isEqualTo(value(k, v));
                }
            }
        }
    }

    /**
     * Lock-free gets of keys that sit in one long probe chain: 440 keys whose hashes share their low 12 bits (one home
     * slot in every table up to 4 096 slots, two at 8 192), 40 of them written once before the race ("stable"), the
     * others put and deleted over and over by two writers (whose puts also prefetch while the other's apply changes the
     * table), together with 3 000 ordinary keys, so that the table grows and shrinks and backward-shift deletion moves
     * the stable keys' slots under the readers. A stable key, present before and after every change, is never missed
     * and never read with another's value; a churned key reads as null or exactly its own value.
     */
    @Test
    void lockFreeGetsNeverMissAStableKeyInACollisionChainBeingReshaped() throws Exception {
        List<byte[]> chain = new ArrayList<>();
        int home = -1;
        for (int i = 0; chain.size() < 440; i++) {
            byte[] k = ("chain-" + i).getBytes();
            int low = KeyDir.hash(k) & 0xFFF;
            if (home < 0) {
                home = low;
            }
            if (low == home) {
                chain.add(k);
            }
        }
        List<byte[]> stable = chain.subList(0, 40);
        List<byte[]> churn = new ArrayList<>(chain.subList(40, chain.size()));
        for (int i = 0; i < 3000; i++) {
            churn.add(("plain-" + i).getBytes());
        }
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        try (BitcaskStore s = BitcaskStore.open(DIR, StoreOptions.builder().disk(new SimulatedDisk()).build(),
                new BitcaskConfig(1 << 20, Double.POSITIVE_INFINITY, false, 0))) {
            for (byte[] k : stable) {
                s.put(k, k);
            }
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int me = w;
                writers.add(new Thread(() -> {
                    try {
                        for (int round = 0; round < 4 && errors.isEmpty(); round++) {
                            for (int i = me; i < churn.size(); i += 2) {
                                s.put(churn.get(i), churn.get(i));
                            }
                            for (int i = me; i < churn.size(); i += 2) {
                                s.delete(churn.get(i));
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e.toString());
                    }
                }));
            }
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int seed = t;
                readers.add(new Thread(() -> {
                    Random r = new Random(seed);
                    try {
                        for (int n = 0; n < 5_000_000 && !done.get() && errors.isEmpty(); n++) {
                            byte[] k = stable.get(r.nextInt(stable.size()));
                            byte[] got = s.get(k);
                            if (!Arrays.equals(got, k)) {
                                errors.add("stable key " + new String(k) + " read as "
                                        + (got == null ? "null" : new String(got)));
                            }
                            byte[] c = churn.get(r.nextInt(churn.size()));
                            byte[] gotC = s.get(c);
                            if (gotC != null && !Arrays.equals(gotC, c)) {
                                errors.add("churned key " + new String(c) + " read as " + new String(gotC));
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e.toString());
                    }
                }));
            }
            race(readers, writers, done);
            assertThat(errors).isEmpty();
            assertThat(s.keyCount()).isEqualTo(stable.size());
            for (byte[] k : stable) {
                assertThat(s.get(k)).isEqualTo(k);
            }
        }
    }

    /** Starts the readers, then the writers; once the writers are done, tells the readers to stop and waits for them. */
    static void race(List<Thread> readers, List<Thread> writers, AtomicBoolean done) throws InterruptedException {
        readers.forEach(Thread::start);
        writers.forEach(Thread::start);
        for (Thread t : writers) {
            t.join();
        }
        done.set(true);
        for (Thread t : readers) {
            t.join();
        }
    }
}
