package io.durakv.api.testkit;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The unbounded, seeded workload of one {@link KillChild} run, generated the same way in the child and in the parent:
 * writer thread {@code t}'s {@code i}-th operation is element {@code i % CHUNK} of chunk {@code i / CHUNK}, each chunk
 * a {@link CrashWorkload#generate} of its own seed. Values stay unique across chunks and kill cycles because the
 * workload's cycle number combines the two.
 *
 * <p>Thread-confined per writer thread (each thread asks only for its own operations).
 */
final class KillWorkload {

    private static final int CHUNK = 256;

    private final long seed;
    private final int cycle;
    private final int threads;
    private final CrashWorkload generator;
    private final Map<Long, List<WorkOp>> chunks = new HashMap<>();

    KillWorkload(long seed, int cycle, int threads, int keySpace, int maxValueBytes) {
        this.seed = seed;
        this.cycle = cycle;
        this.threads = threads;
        this.generator = new CrashWorkload(keySpace, maxValueBytes);
    }

    int threads() {
        return threads;
    }

    CrashWorkload generator() {
        return generator;
    }

    /** @return thread {@code thread}'s {@code index}-th operation */
    WorkOp op(int thread, long index) {
        long chunk = index / CHUNK;
        long id = chunk * threads + thread;
        List<WorkOp> ops;
        synchronized (chunks) {
            ops = chunks.computeIfAbsent(id, c -> generator.generate(
                    new Random(seed * 1_000_003L + c), thread, cycle * 100_000 + (int) chunk, CHUNK));
            // Keep memory flat in long runs: each thread only moves forward.
            chunks.remove(id - 2L * threads);
        }
        return ops.get((int) (index % CHUNK));
    }
}
