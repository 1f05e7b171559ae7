package io.durakv.bench.kv;

import io.durakv.bench.BenchFiles;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongUnaryOperator;

/**
 * Runs the selected workloads against one engine, each on the store it needs, and measures them: wall time, an
 * HdrHistogram of every operation's latency, the bytes on disk after the workload and a close, and the time to
 * reopen what it left. Every random choice comes from the run's seed, the workload and the thread, so every engine
 * gets the same keys, values and order.
 */
final class EngineRun {

    /** Keys per batch of an untimed bulk load. */
    static final int BULK_BATCH = 1000;

    /** Latencies up to an hour, 3 significant digits. */
    private static final long HIGHEST_NANOS = 3_600_000_000_000L;

    private final BenchConfig config;
    private final KeySpace keys;
    private final int[] permutation;
    private final ZipfianGenerator zipfian;
    private final Progress progress;
    private final PrintStream log;

    EngineRun(BenchConfig config, KeySpace keys, int[] permutation, ZipfianGenerator zipfian, Progress progress,
              PrintStream log) {
        this.config = config;
        this.keys = keys;
        this.permutation = permutation;
        this.zipfian = zipfian;
        this.progress = progress;
        this.log = log;
    }

    /** A random permutation of {@code [0, n)} from {@code seed}: fillrandom's order, the same for every engine. */
    static int[] permutation(long n, long seed) {
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("--num is too large for one permutation: " + n);
        }
        int[] p = new int[(int) n];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = p.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * Runs every selected workload on {@code spec} under {@code root} (deleted afterwards). A workload that throws
     * is reported as failed; the engine's later workloads still run (on a freshly loaded store).
     */
    List<Result> run(Engines.Spec spec, Path root, int step, int steps) {
        List<Result> results = new ArrayList<>();
        Path loadedDir = root.resolve("loaded");
        EngineAdapter loaded = null;
        try {
            for (Workload w : config.workloads()) {
                progress.start(String.format("[%d/%d] %s %s", step, steps, spec.name(), w.id()), config.opsOf(w),
                        config.durationNanos());
                AdapterSettings settings = config.settingsOf(w);
                try {
                    if (w.onLoadedStore()) {
                        if (w == Workload.FILLRANDOM) {
                            loaded = closeQuietly(loaded);
                            BenchFiles.deleteTree(loadedDir);
                            loaded = spec.open(loadedDir, settings);
                        } else if (loaded == null) {
                            loaded = preload(spec, loadedDir, settings);
                        }
                        Measured m = measure(w, loaded);
                        if (w == Workload.FILLRANDOM && m.capped()) {
                            m = m.withNote(completeLoad(loaded, m.ops()));
                        }
                        loaded.close();
                        long bytes = BenchFiles.bytesOnDisk(loadedDir);
                        loaded = null;
                        long t0 = System.nanoTime();
                        loaded = spec.open(loadedDir, settings);
                        results.add(m.result(w, spec.name(), bytes, System.nanoTime() - t0));
                    } else {
                        Path dir = root.resolve(w.id());
                        Measured m;
                        try (EngineAdapter a = spec.open(dir, settings)) {
                            m = measure(w, a);
                        }
                        long bytes = BenchFiles.bytesOnDisk(dir);
                        long t0 = System.nanoTime();
                        spec.open(dir, settings).close();
                        long open = System.nanoTime() - t0;
                        results.add(m.result(w, spec.name(), bytes, open));
                        BenchFiles.deleteTree(dir);
                    }
                } catch (RuntimeException | Error e) {
                    String why = e.getClass().getSimpleName() + ": " + e.getMessage();
                    log.println("kvbench: " + spec.name() + " " + w.id() + " failed: " + why
                            + (w.onLoadedStore() ? "; the next loaded workload reloads a fresh store" : ""));
                    results.add(Result.failed(w.id(), spec.name(), why));
                    // The store may be left in any state: later loaded workloads start from a fresh load.
                    loaded = closeQuietly(loaded);
                    BenchFiles.deleteTree(loadedDir);
                }
            }
        } finally {
            closeQuietly(loaded);
            BenchFiles.deleteTree(root);
        }
        return results;
    }

    private static EngineAdapter closeQuietly(EngineAdapter a) {
        if (a != null) {
            try {
                a.close();
            } catch (RuntimeException ignored) {
                // Already failing or done with this store; the first error is the one reported.
            }
        }
        return null;
    }

    /** Loads N keys in key order in batches (not measured) when fillrandom did not run, then reopens. */
    private EngineAdapter preload(Engines.Spec spec, Path dir, AdapterSettings settings) {
        BenchFiles.deleteTree(dir);
        try (EngineAdapter a = spec.open(dir, settings)) {
            bulkLoad(a, null, i -> i);
        }
        return spec.open(dir, settings);
    }

    /**
     * Completes a fillrandom that its time cap stopped after {@code done} puts: does the rest of fillrandom's puts,
     * untimed — the same keys, values, order and single-key writes an uncapped fillrandom would have done — so that
     * the loaded store is the one an uncapped fillrandom leaves, and the read workloads that follow find every key in
     * the same layout (a bulk load in large batches would lay the rest out as batch records, which engines read
     * differently from single puts).
     *
     * @return what was done, for the note
     */
    private String completeLoad(EngineAdapter a, long done) {
        int n = permutation.length;
        long salt = (long) Workload.FILLRANDOM.ordinal() << 40;
        long t0 = System.nanoTime();
        runThreads(1, (t, a2) -> {
            for (int i = (int) done; i < n; i++) {
                long k = permutation[i];
                a2.put(keys.key(k), keys.value(salt + i, config.valueBytes()));
            }
        }, a);
        return String.format(Locale.ROOT, "the other %,d puts of fillrandom done untimed (%.1f s)", n - done,
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Writes keys {@code [0, N)} in key order, in batches of {@link #BULK_BATCH}, untimed.
     *
     * @param skip    keys already written (null: none)
     * @param valueOp the value number ({@link KeySpace#value}) of key {@code k}
     */
    private void bulkLoad(EngineAdapter a, boolean[] skip, LongUnaryOperator valueOp) {
        runThreads(1, (t, a2) -> {
            List<byte[]> ks = new ArrayList<>();
            List<byte[]> vs = new ArrayList<>();
            for (long k = 0; k < config.num(); k++) {
                if (skip == null || !skip[(int) k]) {
                    ks.add(keys.key(k));
                    vs.add(keys.value(valueOp.applyAsLong(k), config.valueBytes()));
                }
                if (ks.size() == BULK_BATCH || (k == config.num() - 1 && !ks.isEmpty())) {
                    a2.write(ks, vs);
                    ks.clear();
                    vs.clear();
                }
            }
        }, a);
    }

    /**
     * What a measurement gives.
     *
     * @param ops     operations done
     * @param planned operations the workload does when not capped
     * @param capped  true if the time cap stopped it before {@code planned}
     */
    private record Measured(long ops, long planned, boolean capped, long capNanos, int threads, long nanos,
                            Histogram histogram, String note) {

        /** @return this measurement with {@code more} appended to its note */
        Measured withNote(String more) {
            return new Measured(ops, planned, capped, capNanos, threads, nanos, histogram,
                    note.isEmpty() ? more : note + "; " + more);
        }

        Result result(Workload w, String engine, long bytes, long openNanos) {
            String capNote = capped ? String.format(Locale.ROOT, "capped at %s s: %,d of %,d ops",
                    BenchConfig.seconds(capNanos / 1e9), ops, planned) : "";
            String all = capNote.isEmpty() ? note : note.isEmpty() ? capNote : capNote + "; " + note;
            return new Result(w.id(), engine, ops, threads, nanos / 1e9, histogram.getValueAtPercentile(50),
                    histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), bytes, openNanos, all,
                    null, planned, capNanos / 1e9, capped);
        }
    }

    /** One thread's work: runs with its index and the adapter. */
    @FunctionalInterface
    private interface ThreadBody {
        void run(int thread, EngineAdapter adapter);
    }

    /** One measured operation: number {@code i} of thread {@code thread}. */
    @FunctionalInterface
    private interface Op {
        void run(long i, SplittableRandom random);
    }

    private Measured measure(Workload w, EngineAdapter a) {
        long ops = config.opsOf(w);
        int threads = config.threadsOf(w);
        long salt = (long) w.ordinal() << 40;
        int vb = config.valueBytes();
        long n = config.num();
        return switch (w) {
            case FILLSEQ -> ops(w, a, ops, threads, (i, r) -> a.put(keys.key(i), keys.value(salt + i, vb)), "");
            case FILLRANDOM -> ops(w, a, ops, threads, (i, r) -> a.put(keys.key(permutation[(int) i]),
                    keys.value(salt + i, vb)), "");
            case OVERWRITE -> ops(w, a, ops, threads, (i, r) -> a.put(keys.key(r.nextLong(n)),
                    keys.value(salt + i, vb)), "");
            case READRANDOM -> ops(w, a, ops, threads, (i, r) -> found(a.get(keys.key(r.nextLong(n))), true), "");
            case READMISSING -> ops(w, a, ops, threads, (i, r) -> found(a.get(keys.missingKey(r.nextLong(n))), false),
                    "");
            case READSEQ -> readSeq(a);
            case SEEKRANDOM -> ops(w, a, ops, threads, (i, r) -> a.scan(keys.key(r.nextLong(n)), config.seekNexts(),
                    (k, v) -> true), config.seekNexts() + " entries per scan");
            case YCSB_C -> ops(w, a, ops, threads, (i, r) -> a.get(keys.key(zipfian.nextScrambled(r))), "zipfian 0.99");
            case YCSB_B -> ycsb(w, a, 0.95, false);
            case YCSB_A -> ycsb(w, a, 0.5, false);
            case YCSB_F -> ycsb(w, a, 0.5, true);
            case READWHILEWRITING -> readWhileWriting(w, a);
            case FILL16K -> {
                int[] order = permutation(ops, config.seed() + 16);
                yield ops(w, a, ops, threads, (i, r) -> a.put(keys.key(order[(int) i]),
                        keys.value(salt + i, Workload.LARGE_VALUE_BYTES)), "16 KiB values");
            }
            case FILLSYNC -> ops(w, a, ops, threads, (i, r) -> a.put(keys.key(permutation[(int) (i % n)]),
                    keys.value(salt + i, vb)), "SYNC, one writer");
            case GROUPCOMMIT -> ops(w, a, ops, threads, (i, r) -> a.put(keys.key(permutation[(int) (i % n)]),
                    keys.value(salt + i, vb)), "SYNC, " + threads + " writers");
        };
    }

    private static void found(byte[] value, boolean expected) {
        if ((value != null) != expected) {
            throw new IllegalStateException(expected ? "an existing key read as absent" : "an absent key was found");
        }
    }

    private Measured ycsb(Workload w, EngineAdapter a, double readFraction, boolean readModifyWrite) {
        long salt = (long) w.ordinal() << 40;
        int vb = config.valueBytes();
        return ops(w, a, config.opsOf(w), config.threadsOf(w), (i, r) -> {
            byte[] key = keys.key(zipfian.nextScrambled(r));
            if (r.nextDouble() < readFraction) {
                a.get(key);
            } else if (readModifyWrite) {
                byte[] old = a.get(key);
                byte[] next = keys.value(salt + i, vb);
                if (old != null && old.length > 0 && next.length > 0) {
                    next[0] ^= old[0];
                }
                a.put(key, next);
            } else {
                a.put(key, keys.value(salt + i, vb));
            }
        }, "zipfian 0.99, " + (int) Math.round(readFraction * 100) + "% reads");
    }

    /**
     * Runs {@code ops} operations split over {@code threads} threads, each op timed, until they are done or the
     * workload's time cap ({@link BenchConfig#durationNanos}) has passed, whichever comes first. Each thread does
     * operations {@code t, t + threads, ...}, so a capped run did a prefix of each thread's sequence.
     */
    private Measured ops(Workload w, EngineAdapter a, long ops, int threads, Op op, String note) {
        Histogram[] histograms = new Histogram[threads];
        long cap = config.durationNanos();
        long nanos = runThreads(threads, (t, adapter) -> {
            Histogram h = new Histogram(HIGHEST_NANOS, 3);
            histograms[t] = h;
            SplittableRandom random = new SplittableRandom(config.seed() * 31 + w.ordinal() * 1_000_003L + t);
            long sinceReport = 0;
            long deadline = System.nanoTime() + (cap == 0 ? Long.MAX_VALUE / 2 : cap);
            for (long i = t; i < ops; i += threads) {
                long start = System.nanoTime();
                if (start - deadline >= 0) {
                    break;
                }
                op.run(i, random);
                h.recordValue(Math.min(HIGHEST_NANOS, System.nanoTime() - start));
                if (++sinceReport == 256) {
                    progress.advance(sinceReport);
                    sinceReport = 0;
                }
            }
            progress.advance(sinceReport);
        }, a);
        Histogram all = merge(histograms);
        long done = all.getTotalCount();
        return new Measured(done, ops, done < ops, cap, threads, nanos, all, note);
    }

    private static Histogram merge(Histogram[] histograms) {
        Histogram all = new Histogram(HIGHEST_NANOS, 3);
        for (Histogram h : histograms) {
            all.add(h);
        }
        return all;
    }

    /**
     * One scan of the whole store, latency per entry; stopped at the time cap like the other workloads. An uncapped
     * scan must see every one of the N keys.
     */
    private Measured readSeq(EngineAdapter a) {
        Histogram h = new Histogram(HIGHEST_NANOS, 3);
        long[] count = new long[1];
        long cap = config.durationNanos();
        boolean[] capped = new boolean[1];
        long nanos = runThreads(1, (t, adapter) -> {
            long[] last = {System.nanoTime()};
            long deadline = last[0] + (cap == 0 ? Long.MAX_VALUE / 2 : cap);
            count[0] = adapter.scan(null, Integer.MAX_VALUE, (k, v) -> {
                long now = System.nanoTime();
                h.recordValue(Math.min(HIGHEST_NANOS, now - last[0]));
                last[0] = now;
                if ((h.getTotalCount() & 255) == 0) {
                    progress.advance(256);
                }
                capped[0] = now - deadline >= 0;
                return !capped[0];
            });
        }, a);
        if (!capped[0] && count[0] != config.num()) {
            throw new IllegalStateException("readseq saw " + count[0] + " entries, the store holds " + config.num());
        }
        capped[0] &= count[0] < config.num();
        return new Measured(count[0], config.num(), capped[0], cap, 1, nanos, h, "one scan, latency per entry");
    }

    private Measured readWhileWriting(Workload w, EngineAdapter a) {
        AtomicBoolean readersDone = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        AtomicReference<Throwable> writerError = new AtomicReference<>();
        long salt = (long) w.ordinal() << 40;
        Thread writer = new Thread(() -> {
            SplittableRandom r = new SplittableRandom(config.seed() + 7);
            try {
                for (long i = 0; !readersDone.get(); i++) {
                    a.put(keys.key(r.nextLong(config.num())), keys.value(salt + i, config.valueBytes()));
                    written.incrementAndGet();
                }
            } catch (Throwable e) {
                writerError.set(e);
            } finally {
                try {
                    a.endThread();
                } catch (Throwable e) {
                    writerError.compareAndSet(null, e);
                }
            }
        }, "kvbench-writer");
        writer.start();
        Measured m;
        try {
            m = ops(w, a, config.opsOf(w), config.threadsOf(w), (i, r) -> a.get(keys.key(r.nextLong(config.num()))),
                    "");
        } finally {
            readersDone.set(true);
            try {
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (writerError.get() != null) {
            throw new IllegalStateException("the writer failed: " + writerError.get(), writerError.get());
        }
        long perSec = Math.round(written.get() / (m.nanos / 1e9));
        return m.withNote("1 writer alongside: " + written.get() + " puts (" + perSec + "/s)");
    }

    /**
     * Runs {@code body} on {@code threads} new threads started together; each calls {@link EngineAdapter#endThread}
     * when done. Rethrows the first failure.
     *
     * @return the wall time from the common start to the last thread's end, in nanoseconds
     */
    private static long runThreads(int threads, ThreadBody body, EngineAdapter a) {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread thread = new Thread(() -> {
                try {
                    ready.countDown();
                    go.await();
                    body.run(index, a);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    try {
                        a.endThread();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }
            }, "kvbench-" + t);
            started.add(thread);
            thread.start();
        }
        try {
            ready.await();
            long start = System.nanoTime();
            go.countDown();
            for (Thread thread : started) {
                thread.join();
            }
            long nanos = System.nanoTime() - start;
            Throwable e = failure.get();
            if (e instanceof RuntimeException re) {
                throw re;
            }
            if (e instanceof Error err) {
                throw err;
            }
            if (e != null) {
                throw new IllegalStateException(e);
            }
            return nanos;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
