package io.durakv.bench.jmh;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * What the structure microbenchmarks share (SSTable block seek, bloom probe, B+tree page search, keydir lookup; JMH
 * applies a superclass's annotations to its subclasses): one thread over one structure built in {@code @Setup} and
 * never changed, so average time per operation is measured over the same structure throughout; present and absent
 * probe keys ({@link ProbeKeys}) made and checked against the structure before anything is measured.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Threads(1)
public abstract class ProbeBenchmark {

    /** Keys the structure holds. */
    protected ProbeKeys present;
    /** Keys it does not hold. */
    protected ProbeKeys absent;

    /**
     * Sets the probe keys after checking every one against the structure.
     *
     * @param holds     whether the structure holds a key, decided as the engine decides it
     * @param structure what is probed, for the message
     * @throws IllegalStateException if the structure misses a present key or holds an absent one: a broken structure
     *                               would make the figures meaningless
     */
    protected void probes(ProbeKeys present, ProbeKeys absent, Predicate<byte[]> holds, String structure) {
        for (int i = 0; i < ProbeKeys.COUNT; i++) {
            if (!holds.test(present.get(i)) || holds.test(absent.get(i))) {
                throw new IllegalStateException(structure + " misses a key it holds or finds one it does not hold");
            }
        }
        this.present = present;
        this.absent = absent;
    }
}
