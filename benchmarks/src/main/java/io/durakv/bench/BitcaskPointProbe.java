package io.durakv.bench;

import io.durakv.api.KeyValueStore;
import io.durakv.api.KeyValueStores;
import io.durakv.api.StoreOptions;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CPU time of bitcask's point operations, which a loaded machine does not move as it moves throughput (kvbench's
 * keys: 16 bytes, index {@code 2 i} big-endian in the last 8; 100-byte values; sync NONE).
 *
 * <ul>
 *   <li>{@code fill}: R rounds, each a fresh store and N puts in key order (kvbench's fillseq); per round the puts/s,
 *       the writer's CPU time per put, and the GC pause time (the first round runs cold, as kvbench's first workload
 *       does).</li>
 *   <li>{@code rww}: loads N keys in random order, closes, reopens, then one reader doing random gets for S seconds
 *       beside one writer overwriting random keys (kvbench's readwhilewriting); the reader's gets/s and CPU per get,
 *       the writer's puts/s and CPU per put, the CPU time of every other thread of the store by name, and the GC
 *       pause time. R rounds of the S seconds on the same store.</li>
 * </ul>
 *
 * <p>Usage: {@code java -cp durakv-bench.jar io.durakv.bench.BitcaskPointProbe fill|rww N ROUNDS SECONDS DIR
 * [key=value ...]} (store properties; SECONDS is ignored by fill).
 */
public final class BitcaskPointProbe {

    private BitcaskPointProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: BitcaskPointProbe fill|rww N ROUNDS SECONDS DIR [key=value ...]");
            System.exit(2);
        }
        int n = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        Path dir = Files.createTempDirectory(Path.of(args[4]), "bitcask-point");
        StoreOptions options = BitcaskMergeProbe.options(Arrays.copyOfRange(args, 5, args.length));
        try {
            if (args[0].equals("fill")) {
                fill(dir, n, rounds, options);
            } else {
                readWhileWriting(dir, n, rounds, seconds, options);
            }
        } finally {
            BenchFiles.deleteTree(dir);
        }
    }

    private static void fill(Path dir, int n, int rounds, StoreOptions options) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int round = 1; round <= rounds; round++) {
            Path store = dir.resolve("fill-" + round);
            try (KeyValueStore s = KeyValueStores.open("bitcask", store, options)) {
                long gc0 = gcMillis();
                long cpu0 = mx.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    s.put(key(i), BitcaskMergeProbe.value(i));
                }
                long wall = System.nanoTime() - t0;
                long cpu = mx.getCurrentThreadCpuTime() - cpu0;
                System.out.printf(Locale.ROOT, "fill round %d: %,.0f puts/s, writer CPU %.3f us/put (on CPU %.0f %% of "
                                + "the wall), GC pauses %d ms%n", round, n / (wall / 1e9), cpu / 1e3 / n,
                        100.0 * cpu / wall, gcMillis() - gc0);
            }
            BenchFiles.deleteTree(store);
        }
    }

    private static void readWhileWriting(Path dir, int n, int rounds, double seconds, StoreOptions options)
            throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Path store = dir.resolve("store");
        int[] order = BitcaskMergeProbe.shuffled(n);
        try (KeyValueStore s = KeyValueStores.open("bitcask", store, options)) {
            for (int i = 0; i < n; i++) {
                s.put(key(order[i]), BitcaskMergeProbe.value(i));
            }
        }
        try (KeyValueStore s = KeyValueStores.open("bitcask", store, options)) {
            for (int round = 1; round <= rounds; round++) {
                AtomicBoolean done = new AtomicBoolean();
                AtomicLong puts = new AtomicLong();
                AtomicLong writerCpu = new AtomicLong();
                long salt = (long) round << 40;
                Thread w = new Thread(() -> {
                    SplittableRandom r = new SplittableRandom(9 + salt);
                    long c0 = mx.getCurrentThreadCpuTime();
                    for (long i = 0; !done.get(); i++) {
                        s.put(key(r.nextInt(n)), BitcaskMergeProbe.value(salt + i));
                        puts.incrementAndGet();
                    }
                    writerCpu.set(mx.getCurrentThreadCpuTime() - c0);
                }, "probe-writer");
                Map<String, Long> others0 = otherThreadsCpu(mx);
                long gc0 = gcMillis();
                w.start();
                SplittableRandom r = new SplittableRandom(11 + round);
                long cpu0 = mx.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                long deadline = start + (long) (seconds * 1e9);
                long gets = 0;
                long now = start;
                while (now < deadline) {
                    for (int k = 0; k < 64; k++) {
                        if (s.get(key(r.nextInt(n))) == null) {
                            throw new IllegalStateException("a written key read as absent");
                        }
                    }
                    gets += 64;
                    now = System.nanoTime();
                }
                long wall = now - start;
                long cpu = mx.getCurrentThreadCpuTime() - cpu0;
                done.set(true);
                w.join();
                long gc = gcMillis() - gc0;
                Map<String, Long> others = otherThreadsCpu(mx);
                StringBuilder o = new StringBuilder();
                for (Map.Entry<String, Long> e : others.entrySet()) {
                    long d = e.getValue() - others0.getOrDefault(e.getKey(), 0L);
                    if (d > 5_000_000) {
                        o.append(String.format(Locale.ROOT, " %s %.0f ms;", e.getKey(), d / 1e6));
                    }
                }
                System.out.printf(Locale.ROOT, "rww round %d: %,.0f gets/s, reader CPU %.3f us/get (on CPU %.0f %%); "
                                + "writer %,.0f puts/s, CPU %.3f us/put (on CPU %.0f %%); GC pauses %d ms; other threads:%s%n",
                        round, gets / (wall / 1e9), cpu / 1e3 / gets, 100.0 * cpu / wall, puts.get() / (wall / 1e9),
                        writerCpu.get() / 1e3 / puts.get(), 100.0 * writerCpu.get() / wall, gc, o);
            }
        }
    }

    /** @return the CPU time so far of every live thread but this one and the probe's writer, by short name */
    private static Map<String, Long> otherThreadsCpu(ThreadMXBean mx) {
        Map<String, Long> m = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t == Thread.currentThread() || t.getName().equals("probe-writer")) {
                continue;
            }
            String name = t.getName();
            int cut = name.indexOf(' ');
            int bracket = name.indexOf('[');
            if (bracket >= 0 && (cut < 0 || bracket < cut)) {
                cut = bracket;
            }
            String shortName = cut < 0 ? name : name.substring(0, cut);
            m.merge(shortName, Math.max(0, mx.getThreadCpuTime(t.getId())), Long::sum);
        }
        return m;
    }

    private static long gcMillis() {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!gc.getName().contains("Concurrent")) { // G1's concurrent cycle time is not a pause
                sum += Math.max(0, gc.getCollectionTime());
            }
        }
        return sum;
    }

    /** @return kvbench's key {@code i}: the big-endian number {@code 2 i} in the last 8 of 16 bytes */
    private static byte[] key(long i) {
        long k = 2 * i;
        byte[] b = new byte[16];
        for (int j = 0; j < 8; j++) {
            b[15 - j] = (byte) (k >>> (8 * j));
        }
        return b;
    }
}
