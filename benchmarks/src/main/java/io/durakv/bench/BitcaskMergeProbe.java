package io.durakv.bench;

import io.durakv.api.KeyValueStore;
import io.durakv.api.KeyValueStores;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What bitcask's background merge costs the reads running beside it, in CPU time (stable on a loaded machine, unlike
 * throughput): loads N keys in random order (16 B keys, 100 B values, sync NONE), overwrites N random keys, closes,
 * then reopens (a merge is due: it starts at the open) and runs one reader for S seconds, alone ({@code read}) or
 * beside one writer overwriting random keys ({@code rww}), like kvbench's readrandom and readwhilewriting. Prints the
 * reader's gets/s, its CPU time per get and its share of the wall time on a CPU, the gets over 1 ms, the writer's
 * puts, and the CPU time of the store's merge thread.
 *
 * <p>Usage: {@code java -cp durakv-bench.jar io.durakv.bench.BitcaskMergeProbe read|rww N SECONDS DIR
 * [key=value ...]} (properties for the reopened store, e.g. {@code bitcask.mergeDeadRatio=1}).
 */
public final class BitcaskMergeProbe {

    private BitcaskMergeProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: BitcaskMergeProbe read|rww N SECONDS DIR [key=value ...]");
            System.exit(2);
        }
        boolean writer = args[0].equals("rww");
        int n = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        Path dir = Files.createTempDirectory(Path.of(args[3]), "bitcask-merge");
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try {
            Path store = dir.resolve("store");
            int[] order = shuffled(n);
            long t0 = System.nanoTime();
            try (KeyValueStore s = KeyValueStores.open("bitcask", store, options(new String[0]))) {
                for (int i = 0; i < n; i++) {
                    s.put(key(order[i]), value(i));
                }
                SplittableRandom r = new SplittableRandom(7);
                for (int i = 0; i < n; i++) {
                    s.put(key(r.nextInt(n)), value(n + i));
                }
            }
            System.out.printf(Locale.ROOT, "loaded and overwrote %,d keys in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
            long openStart = System.nanoTime();
            try (KeyValueStore s = KeyValueStores.open("bitcask", store, options(Arrays.copyOfRange(args, 4,
                    args.length)))) {
                long openNanos = System.nanoTime() - openStart;
                long mergeCpu0 = mergeCpu(mx);
                AtomicBoolean done = new AtomicBoolean();
                AtomicLong puts = new AtomicLong();
                Thread w = null;
                if (writer) {
                    w = new Thread(() -> {
                        SplittableRandom r = new SplittableRandom(9);
                        for (long i = 0; !done.get(); i++) {
                            s.put(key(r.nextInt(n)), value(3L * n + i));
                            puts.incrementAndGet();
                        }
                    }, "probe-writer");
                    w.start();
                }
                SplittableRandom r = new SplittableRandom(11);
                long cpu0 = mx.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                long deadline = start + (long) (seconds * 1e9);
                long gets = 0;
                long slow = 0;
                long slowNanos = 0;
                long now = start;
                while (now < deadline) {
                    long t = now;
                    if (s.get(key(r.nextInt(n))) == null) {
                        throw new IllegalStateException("a written key read as absent");
                    }
                    now = System.nanoTime();
                    if (now - t > 1_000_000) {
                        slow++;
                        slowNanos += now - t;
                    }
                    gets++;
                }
                long wall = now - start;
                long cpu = mx.getCurrentThreadCpuTime() - cpu0;
                done.set(true);
                if (w != null) {
                    w.join();
                }
                long mergeCpu = mergeCpu(mx) - mergeCpu0;
                System.out.printf(Locale.ROOT, "%s %s: open %.0f ms; %,.0f gets/s, reader CPU %.2f us/get, on CPU %.0f %% "
                                + "of the wall; %d gets over 1 ms (%.0f ms in all); writer %,.0f puts/s; merge thread "
                                + "CPU %.2f s (still running: %b)%n",
                        args[0], String.join(" ", Arrays.copyOfRange(args, 4, args.length)), openNanos / 1e6,
                        gets / (wall / 1e9), cpu / 1e3 / gets, 100.0 * cpu / wall, slow, slowNanos / 1e6,
                        puts.get() / (wall / 1e9), mergeCpu / 1e9, mergeRunning(mx));
            }
        } finally {
            BenchFiles.deleteTree(dir);
        }
    }

    /** @return 0 … n - 1 in a random order (the same every run) */
    static int[] shuffled(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom shuffle = new SplittableRandom(42);
        for (int i = n - 1; i > 0; i--) {
            int j = shuffle.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** @return sync NONE with {@code props} ({@code key=value}) as store properties */
    static StoreOptions options(String[] props) {
        StoreOptions.Builder b = StoreOptions.builder().syncMode(SyncMode.NONE);
        for (String p : props) {
            int eq = p.indexOf('=');
            b.property(p.substring(0, eq), p.substring(eq + 1));
        }
        return b.build();
    }

    /** @return the CPU time of the live merge threads, in nanoseconds */
    private static long mergeCpu(ThreadMXBean mx) {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("durakv-bitcask-merge")) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
            }
        }
        return sum;
    }

    private static boolean mergeRunning(ThreadMXBean mx) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("durakv-bitcask-merge") && t.getState() == Thread.State.RUNNABLE) {
                return true;
            }
        }
        return false;
    }

    private static byte[] key(long k) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[15 - i] = (byte) (k >>> (8 * i));
        }
        b[0] = 'k';
        return b;
    }

    /** @return a 100-byte value that depends on {@code seed} */
    static byte[] value(long seed) {
        byte[] v = new byte[100];
        long x = seed * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < v.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            v[i] = (byte) x;
        }
        return v;
    }
}
