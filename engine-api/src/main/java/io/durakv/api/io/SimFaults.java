package io.durakv.api.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The {@link FaultRule}s of a {@link SimulatedDisk}, each with its own count of matching calls and, for a
 * probabilistic rule, its own generator seeded with the rule's seed, so that whether a rule fires depends only on the
 * calls it matches, never on other rules.
 *
 * <p>Not thread-safe: guarded by the disk's monitor.
 */
final class SimFaults {

    private static final class Armed {
        final FaultRule rule;
        final Random random;
        long matches;

        Armed(FaultRule rule) {
            this.rule = rule;
            this.random = new Random(rule.seed());
        }

        boolean matches(DiskOp op, Path[] paths) {
            if (op != rule.op()) {
                return false;
            }
            for (Path path : paths) {
                if (rule.path().matcher(path.toString()).find()) {
                    return true;
                }
            }
            return false;
        }

        /** Counts a matching call and decides whether it fails. */
        boolean fires() {
            matches++;
            if (rule.nth() == 0) {
                return random.nextDouble() < rule.probability();
            }
            return matches == rule.nth() || (rule.repeat() && matches > rule.nth());
        }
    }

    private final List<Armed> rules = new ArrayList<>();

    void add(FaultRule rule) {
        rules.add(new Armed(rule));
    }

    void clear() {
        rules.clear();
    }

    int size() {
        return rules.size();
    }

    /**
     * Fails the call if a rule fires. Every matching rule counts the call (and draws its random number), even when an
     * earlier rule fires; the first rule that fires names the exception.
     *
     * @param paths the call's path, or a rename's source and target: a rule matches if it finds either
     */
    void check(DiskOp op, Path... paths) throws IOException {
        FaultRule fired = null;
        for (Armed armed : rules) {
            if (armed.matches(op, paths) && armed.fires() && fired == null) {
                fired = armed.rule;
            }
        }
        if (fired != null) {
            throw new IOException(fired.message() + ": " + SimCalls.target(paths));
        }
    }
}
