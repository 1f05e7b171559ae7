package io.durakv.api.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The gate every call of a {@link SimulatedDisk} passes before it takes effect, and the count of calls that did: the
 * scheduled power loss refuses mutating calls, then the fault rules may fail any call; {@link #completed} counts a
 * call only once it has changed what it changes.
 *
 * <p>Not thread-safe: guarded by the disk's monitor.
 */
final class SimCalls {

    private final SimFaults faults = new SimFaults();
    private final long[] counts = new long[DiskOp.values().length];
    private long mutating;
    /** Mutating calls that may still complete before the power loss; MAX_VALUE when none is scheduled. */
    private long powerBudget = Long.MAX_VALUE;
    private boolean poweredOff;

    /** Refuses the call if the power is lost, then fails it if a fault rule fires. */
    void begin(DiskOp op, Path... paths) throws IOException {
        checkPower(op, paths);
        checkFaults(op, paths);
    }

    void checkPower(DiskOp op, Path... paths) throws PowerLossException {
        if (op.mutating() && powerBudget == 0) {
            poweredOff = true;
            throw new PowerLossException(op + " " + target(paths) + " refused: the power was lost after "
                    + mutating + " mutating calls");
        }
    }

    void checkFaults(DiskOp op, Path... paths) throws IOException {
        faults.check(op, paths);
    }

    /** Counts a call that took effect. */
    void completed(DiskOp op) {
        counts[op.ordinal()]++;
        if (op.mutating()) {
            mutating++;
            if (powerBudget != Long.MAX_VALUE) {
                powerBudget--;
            }
        }
    }

    void powerLossAfter(long mutatingCalls) {
        powerBudget = mutatingCalls;
        poweredOff = false;
    }

    boolean poweredOff() {
        return poweredOff;
    }

    long mutatingCalls() {
        return mutating;
    }

    long calls(DiskOp op) {
        return counts[op.ordinal()];
    }

    SimFaults faults() {
        return faults;
    }

    @Override
    public String toString() {
        return "mutatingCalls=" + mutating + ", poweredOff=" + poweredOff
                + (powerBudget == Long.MAX_VALUE || poweredOff ? "" : ", powerLossIn=" + powerBudget)
                + ", faultRules=" + faults.size();
    }

    /** @return the paths of a call as messages name them: one path, or a rename's "source -> target" */
    static String target(Path... paths) {
        return Stream.of(paths).map(Path::toString).collect(Collectors.joining(" -> "));
    }
}
