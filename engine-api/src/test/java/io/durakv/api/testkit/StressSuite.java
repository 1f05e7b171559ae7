package io.durakv.api.testkit;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.WriteBatch;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Stress with version checks: {@link #threads()} threads each run a fixed number of mixed operations — put, delete,
 * batch, get, scan, sync — on one store opened with small thresholds, so that flush, compaction, merge and checkpoint
 * run concurrently with them. Every key has one owner thread, which writes it with strictly increasing versions
 * encoded in the value (with the key's name, so a value under the wrong key is caught); every thread reads every key.
 *
 * <ul>
 *   <li><b>no lost update:</b> a read returns at least the version acknowledged before the read started, and at most
 *       the newest version started before it ended;</li>
 *   <li><b>no reordering:</b> per reading thread, the versions it sees of a key never go back;</li>
 *   <li><b>consistent scans:</b> keys come strictly ordered; the keys one batch always writes together show one
 *       version in every scan (a point-in-time view, no half batch);</li>
 *   <li>after the run, and again after close and reopen, every key holds exactly its owner's last write.</li>
 * </ul>
 * Failures name the thread, key, versions and the seed ({@code -Ddurakv.stress.seed=N} replays the choices; thread
 * timing differs). Operation count: {@link #opsPerThread()} (10x with {@code -Psoak}).
 */
public abstract class StressSuite {

    @TempDir
    protected Path tmp;

    private static final int PUT_KEYS = 24;
    private static final int DELETE_KEYS = 8;
    private static final int GROUP_KEYS = 4;

    /** @return how to open the store under test */
    protected abstract StoreFactory factory();

    /** @return engine properties; small thresholds make structural work run concurrently with the operations */
    protected Map<String, String> properties() {
        return Map.of();
    }

    /** @return the modes to stress */
    protected Set<SyncMode> modes() {
        return EnumSet.of(SyncMode.SYNC, SyncMode.NONE);
    }

    /** @return worker threads */
    protected int threads() {
        return 4;
    }

    /** @return operations per thread: 2500, 25 000 with {@code -Ddurakv.soak=true} */
    protected int opsPerThread() {
        return Boolean.getBoolean("durakv.soak") ? 25_000 : 2_500;
    }

    /** @return the largest value padding; values cross byte thresholds */
    protected int maxValueBytes() {
        return 600;
    }

    /** Runs the engine's structural check; fails with an exception on damage. */
    protected void checkIntegrity(KeyValueStore store) {
    }

    /** The shared expected state: per key, the newest version started and acknowledged by its owner. */
    private static final class Versions {
        final Map<String, AtomicLong> started = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> acked = new ConcurrentHashMap<>();
        /** Per key, whether the owner's newest acknowledged write was a delete. */
        final Map<String, Boolean> deleted = new ConcurrentHashMap<>();

        AtomicLong started(String key) {
            return started.computeIfAbsent(key, k -> new AtomicLong());
        }

        AtomicLong acked(String key) {
            return acked.computeIfAbsent(key, k -> new AtomicLong());
        }
    }

    @TestFactory
    Stream<DynamicTest> concurrentMixedOperationsLoseAndReorderNothing() {
        List<DynamicTest> tests = new ArrayList<>();
        for (SyncMode mode : modes()) {
            long seed = Long.getLong("durakv.stress.seed", new Random().nextLong());
            tests.add(DynamicTest.dynamicTest(mode + " threads=" + threads() + " ops=" + opsPerThread() + " seed="
                    + seed, () -> run(mode, seed)));
        }
        return tests.stream();
    }

    private void run(SyncMode mode, long seed) throws Exception {
        System.out.println("stress " + mode + ": seed " + seed + " (replay with -Ddurakv.stress.seed=" + seed + ")");
        Path dir = tmp.resolve("stress-" + mode);
        StoreOptions.Builder b = StoreOptions.builder().syncMode(mode);
        properties().forEach(b::property);
        StoreOptions options = b.build();
        Versions versions = new Versions();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicLong scans = new AtomicLong();
        try (KeyValueStore store = factory().open(dir, options)) {
            CyclicBarrier start = new CyclicBarrier(threads());
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads(); t++) {
                int thread = t;
                Thread w = new Thread(() -> {
                    try {
                        start.await();
                        work(store, thread, new Random(seed + thread), versions, scans);
                    } catch (Throwable e) {
                        failures.add(new AssertionError("thread " + thread + " (seed " + seed + "): "
                                + e.getMessage(), e));
                    }
                }, "stress-" + t);
                workers.add(w);
                w.start();
            }
            for (Thread w : workers) {
                w.join();
            }
            if (!failures.isEmpty()) {
                AssertionError e = new AssertionError(failures.size() + " threads failed; first: "
                        + failures.get(0).getMessage(), failures.get(0));
                failures.stream().skip(1).forEach(e::addSuppressed);
                throw e;
            }
            checkFinal(store, versions, "after the run");
            checkIntegrity(store);
        }
        try (KeyValueStore store = factory().open(dir, options)) {
            checkFinal(store, versions, "after close and reopen");
            checkIntegrity(store);
        }
        System.out.println("stress " + mode + ": " + threads() * (long) opsPerThread() + " operations, "
                + scans.get() + " scans, 0 lost or reordered updates");
    }

    private void work(KeyValueStore store, int thread, Random rnd, Versions versions, AtomicLong scans) {
        Map<String, Long> seen = new HashMap<>();
        for (int i = 0; i < opsPerThread(); i++) {
            int dice = rnd.nextInt(100);
            if (dice < 35) {
                String key = putKey(thread, rnd.nextInt(PUT_KEYS));
                long v = versions.started(key).incrementAndGet();
                store.put(bytes(key), value(key, v, rnd));
                versions.acked(key).set(v);
            } else if (dice < 45) {
                String key = deleteKey(thread, rnd.nextInt(DELETE_KEYS));
                long v = versions.started(key).incrementAndGet();
                boolean delete = rnd.nextBoolean();
                if (delete) {
                    store.delete(bytes(key));
                } else {
                    store.put(bytes(key), value(key, v, rnd));
                }
                versions.deleted.put(key, delete);
                versions.acked(key).set(v);
            } else if (dice < 57) {
                WriteBatch batch = new WriteBatch();
                long v = versions.started(groupKey(thread, 0)).incrementAndGet();
                for (int g = 0; g < GROUP_KEYS; g++) {
                    batch.put(bytes(groupKey(thread, g)), value(groupKey(thread, g), v, rnd));
                }
                store.write(batch);
                versions.acked(groupKey(thread, 0)).set(v);
            } else if (dice < 85) {
                String key = putKey(rnd.nextInt(threads()), rnd.nextInt(PUT_KEYS));
                long low = versions.acked(key).get();
                byte[] got = store.get(bytes(key));
                long high = versions.started(key).get();
                observe(key, got, low, high, seen, "get");
            } else if (dice < 97) {
                scan(store, rnd, versions, seen);
                scans.incrementAndGet();
            } else {
                store.sync();
            }
        }
    }

    private void scan(KeyValueStore store, Random rnd, Versions versions, Map<String, Long> seen) {
        Map<String, Long> lowBefore = new HashMap<>();
        versions.acked.forEach((k, v) -> lowBefore.put(k, v.get()));
        byte[] from = rnd.nextInt(3) == 0 ? null : bytes("p" + rnd.nextInt(threads()));
        byte[] to = rnd.nextInt(3) == 0 ? null : bytes("q");
        byte[] prev = null;
        Map<Integer, Long> groupVersion = new HashMap<>();
        try (KeyValueIterator it = store.scan(from, to)) {
            while (it.hasNext()) {
                KeyValue kv = it.next();
                if (prev != null && Arrays.compareUnsigned(prev, kv.key()) >= 0) {
                    throw new AssertionError("scan out of order at " + text(kv.key()));
                }
                prev = kv.key();
                String key = text(kv.key());
                long v = versionOf(key, kv.value());
                if (key.startsWith("g")) {
                    int owner = Integer.parseInt(key.substring(1, key.indexOf('-')));
                    Long other = groupVersion.putIfAbsent(owner, v);
                    if (other != null && other != v) {
                        throw new AssertionError("scan saw half a batch: " + key + " at version " + v
                                + ", another key of its batch at " + other);
                    }
                } else if (key.startsWith("p")) {
                    long high = versions.started(key).get();
                    observe(key, kv.value(), lowBefore.getOrDefault(key, 0L), high, seen, "scan");
                }
            }
        }
    }

    /** Checks one read of a put-only key: present once written, version within bounds, never going back. */
    private static void observe(String key, byte[] got, long low, long high, Map<String, Long> seen, String how) {
        if (got == null) {
            if (low > 0) {
                throw new AssertionError(how + " of " + key + " found nothing, but version " + low
                        + " was acknowledged before the read started (lost update)");
            }
            return;
        }
        long v = versionOf(key, got);
        if (v < low) {
            throw new AssertionError(how + " of " + key + " returned version " + v + ", but version " + low
                    + " was acknowledged before the read started (lost update)");
        }
        if (v > high) {
            throw new AssertionError(how + " of " + key + " returned version " + v + ", never written (newest "
                    + "started: " + high + ")");
        }
        Long before = seen.put(key, v);
        if (before != null && v < before) {
            throw new AssertionError(how + " of " + key + " returned version " + v + " after this thread had seen "
                    + before + " (reordered update)");
        }
    }

    private void checkFinal(KeyValueStore store, Versions versions, String when) {
        Map<String, byte[]> all = new HashMap<>();
        StoreReads.scanOrdered(store, when).forEach((k, v) -> all.put(text(k), v));
        int expected = 0;
        for (int t = 0; t < threads(); t++) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < PUT_KEYS; i++) {
                keys.add(putKey(t, i));
            }
            for (int i = 0; i < DELETE_KEYS; i++) {
                keys.add(deleteKey(t, i));
            }
            for (String key : keys) {
                long v = versions.acked(key).get();
                boolean absent = v == 0 || Boolean.TRUE.equals(versions.deleted.get(key));
                byte[] got = store.get(bytes(key));
                if (!Arrays.equals(got, all.get(key))) {
                    throw new AssertionError(when + ": get(" + key + ") disagrees with the scan");
                }
                if (absent ? got != null : got == null || versionOf(key, got) != v) {
                    throw new AssertionError(when + ": " + key + " holds " + (got == null ? "nothing" : "version "
                            + versionOf(key, got)) + ", its owner's last write was " + (absent ? "a delete or none"
                            : "version " + v));
                }
                expected += absent ? 0 : 1;
            }
            long gv = versions.acked(groupKey(t, 0)).get();
            for (int g = 0; g < GROUP_KEYS && gv > 0; g++) {
                byte[] got = store.get(bytes(groupKey(t, g)));
                if (got == null || versionOf(groupKey(t, g), got) != gv) {
                    throw new AssertionError(when + ": " + groupKey(t, g) + " is not at its last batch's version "
                            + gv);
                }
                expected++;
            }
        }
        if (all.size() != expected) {
            throw new AssertionError(when + ": the store holds " + all.size() + " keys, expected " + expected);
        }
    }

    private static String putKey(int thread, int i) {
        return "p" + thread + "-" + i;
    }

    private static String deleteKey(int thread, int i) {
        return "d" + thread + "-" + i;
    }

    private static String groupKey(int thread, int i) {
        return "g" + thread + "-" + i;
    }

    private byte[] value(String key, long version, Random rnd) {
        byte[] head = (key + "@" + version + ";").getBytes(StandardCharsets.US_ASCII);
        int pad = rnd.nextInt(10) == 0 ? maxValueBytes() : rnd.nextInt(Math.max(1, maxValueBytes() / 10));
        byte[] v = Arrays.copyOf(head, head.length + pad);
        Arrays.fill(v, head.length, v.length, (byte) ('a' + (int) (version % 26)));
        return v;
    }

    /** @return the version a value carries, after checking it names {@code key} and its padding is intact */
    private static long versionOf(String key, byte[] value) {
        String s = new String(value, StandardCharsets.US_ASCII);
        int at = s.indexOf('@');
        int semi = s.indexOf(';');
        if (at < 0 || semi < at || !s.substring(0, at).equals(key)) {
            throw new AssertionError("value under " + key + " is not one of its values: "
                    + s.substring(0, Math.min(40, s.length())));
        }
        long v = Long.parseLong(s.substring(at + 1, semi));
        byte pad = (byte) ('a' + (int) (v % 26));
        for (int i = semi + 1; i < value.length; i++) {
            if (value[i] != pad) {
                throw new AssertionError("value of " + key + " version " + v + " is damaged at byte " + i);
            }
        }
        return v;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
