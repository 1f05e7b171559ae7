package io.durakv.bench;

import io.durakv.api.KeyValueStore;
import io.durakv.api.KeyValueStores;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.wal.WalOptions;
import io.durakv.wal.WriteAheadLog;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CPU cost of a SYNC write with several writer threads: N threads doing SYNC writes to a raw forced file, the
 * write-ahead log alone, or an engine, reporting ops/s and the process's CPU time per write, split by thread group
 * (writers, JIT compiler, GC, the engine's own threads) from {@code /proc/self/task}. On a machine with few cores,
 * SYNC writes with 8 threads are bound by CPU (forces, system calls, wake-ups), not by the device; this shows where
 * the CPU goes. Run it under {@code perf stat -e context-switches,task-clock} to count context switches too.
 *
 * <p>Usage: {@code java -cp durakv-bench.jar io.durakv.bench.SyncWritersProbe raw|wal|btree|lsm|bitcask THREADS OPS DIR}.
 * The raw side serializes write + {@code force(false)} of one 116-byte record per call on a preallocated file (no
 * sharing of forces); the log and the engines share forces among writers (group commit). Each run first does 500
 * untimed writes.
 */
public final class SyncWritersProbe {

    private SyncWritersProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: SyncWritersProbe raw|wal|btree|lsm|bitcask THREADS OPS DIR");
            System.exit(2);
        }
        String kind = args[0];
        int threads = Integer.parseInt(args[1]);
        int ops = Integer.parseInt(args[2]);
        Path dir = Files.createTempDirectory(Path.of(args[3]), "syncwriters");
        try {
            run(kind, threads, ops, dir);
        } finally {
            BenchFiles.deleteTree(dir);
        }
    }

    /** One SYNC write; thread-safe. */
    private interface Writer extends AutoCloseable {
        void write() throws Exception;
    }

    private static Writer open(String kind, Path dir) throws IOException {
        switch (kind) {
            case "raw" -> {
                PreallocatedFile file = new PreallocatedFile(dir.resolve("raw"), 64L << 20, 116);
                return new Writer() {
                    @Override
                    public synchronized void write() throws IOException {
                        file.writeRecord();
                        file.force();
                    }

                    @Override
                    public void close() throws IOException {
                        file.close();
                    }
                };
            }
            case "wal" -> {
                WriteAheadLog log = WriteAheadLog.open(dir, WalOptions.builder().syncMode(SyncMode.SYNC).build());
                byte[] record = new byte[116];
                return new Writer() {
                    @Override
                    public void write() {
                        log.append(record);
                    }

                    @Override
                    public void close() {
                        log.close();
                    }
                };
            }
            default -> {
                KeyValueStore store = KeyValueStores.open(kind, dir,
                        StoreOptions.builder().syncMode(SyncMode.SYNC).build());
                AtomicLong next = new AtomicLong();
                byte[] value = new byte[100];
                return new Writer() {
                    @Override
                    public void write() {
                        byte[] key = new byte[16];
                        long x = next.incrementAndGet() * 0x9E3779B97F4A7C15L; // spread keys over the key space
                        for (int i = 0; i < 8; i++) {
                            key[i] = (byte) (x >>> (56 - 8 * i));
                        }
                        store.put(key, value);
                    }

                    @Override
                    public void close() {
                        store.close();
                    }
                };
            }
        }
    }

    private static void run(String kind, int threads, int ops, Path dir) throws Exception {
        try (Writer writer = open(kind, dir)) {
            for (int i = 0; i < 500; i++) {
                writer.write();
            }
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            Map<String, Long> ticksBefore = ticksByThreadGroup();
            long cpuBefore = os.getProcessCpuTime();
            long started = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(threads, r -> new Thread(r, "probe-writer"));
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < ops / threads; i++) {
                            writer.write();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
                long elapsed = System.nanoTime() - started;
                long cpu = os.getProcessCpuTime() - cpuBefore;
                Map<String, Long> ticks = ticksByThreadGroup();
                ticksBefore.forEach((k, v) -> ticks.merge(k, -v, Long::sum));
                ticks.values().removeIf(v -> v <= 0);
                long done = (long) (ops / threads) * threads;
                System.out.printf(Locale.ROOT, "%s threads=%d writes=%d ops/s=%.0f cpu_us_per_write=%.1f%n", kind,
                        threads, done, done * 1e9 / elapsed, cpu / 1e3 / done);
                System.out.println("cpu ticks (10 ms) by thread group during the run: " + ticks);
            } finally {
                pool.shutdown();
            }
        }
    }

    /** @return CPU ticks (user + system) per thread name with digits removed, from /proc/self/task; empty elsewhere */
    private static Map<String, Long> ticksByThreadGroup() {
        Map<String, Long> byGroup = new TreeMap<>();
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return byGroup;
        }
        try (var dirs = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) dirs::iterator) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                byGroup.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
            }
        } catch (IOException e) {
            return byGroup;
        }
        return byGroup;
    }
}
