package io.durakv.api.io;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A rule for {@link SimulatedDisk#inject(FaultRule)}: make matching calls fail with an {@link java.io.IOException}.
 * A call matches when its {@link DiskOp} is the rule's and its path's string form matches the rule's regular
 * expression (anywhere: {@link java.util.regex.Matcher#find()}). Among matching calls, the rule fires on the n-th
 * (counting from 1 since the rule was added) and, if {@code repeat} is set, on every later one too; or, with a
 * probability, on each matching call with that seeded probability.
 *
 * <p>A failing write changes nothing. A failing force behaves as Linux after "fsyncgate": the unforced bytes of the
 * file are marked clean without reaching stable storage, so a later successful force does not save them.
 *
 * <p>Immutable and thread-safe.
 */
public final class FaultRule {

    private final DiskOp op;
    private final Pattern path;
    private final long nth;
    private final boolean repeat;
    private final double probability;
    private final long seed;
    private final String message;

    private FaultRule(DiskOp op, Pattern path, long nth, boolean repeat, double probability, long seed,
                      String message) {
        this.op = op;
        this.path = path;
        this.nth = nth;
        this.repeat = repeat;
        this.probability = probability;
        this.seed = seed;
        this.message = message;
    }

    /**
     * Fails the {@code n}-th matching call (1-based).
     *
     * @param op        the kind of call
     * @param pathRegex a regular expression found in the path, e.g. {@code "\\.log$"}; {@code ".*"} for any
     * @param n         which matching call fails, from 1
     */
    public static FaultRule nthCall(DiskOp op, String pathRegex, long n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        return new FaultRule(Objects.requireNonNull(op, "op"), Pattern.compile(pathRegex), n, false, 0, 0,
                "injected " + op + " failure (call " + n + " matching /" + pathRegex + "/)");
    }

    /** Fails the {@code n}-th matching call and every later one, as a full disk or a dead device would. */
    public static FaultRule fromNthCall(DiskOp op, String pathRegex, long n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        return new FaultRule(Objects.requireNonNull(op, "op"), Pattern.compile(pathRegex), n, true, 0, 0,
                "injected " + op + " failure (calls from " + n + " matching /" + pathRegex + "/)");
    }

    /**
     * Fails each matching call with probability {@code p}, drawn from a generator seeded with {@code seed}.
     *
     * @param p between 0 and 1
     */
    public static FaultRule withProbability(DiskOp op, String pathRegex, double p, long seed) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
        }
        return new FaultRule(Objects.requireNonNull(op, "op"), Pattern.compile(pathRegex), 0, false, p, seed,
                "injected " + op + " failure (p=" + p + ", seed=" + seed + ", matching /" + pathRegex + "/)");
    }

    /** @return the kind of call this rule fails */
    public DiskOp op() {
        return op;
    }

    /** @return the path pattern */
    public Pattern path() {
        return path;
    }

    /** @return the 1-based matching call that fails, or 0 for a probabilistic rule */
    public long nth() {
        return nth;
    }

    /** @return whether every matching call from the n-th on fails */
    public boolean repeat() {
        return repeat;
    }

    /** @return the failure probability of a probabilistic rule, else 0 */
    public double probability() {
        return probability;
    }

    /** @return the seed of a probabilistic rule */
    public long seed() {
        return seed;
    }

    /** @return the message of the injected exception */
    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return "FaultRule[" + message + "]";
    }
}
