package io.durakv.lsm;

import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A {@link SimulatedDisk} wrapper that records each create, force, directory force and delete with the number of
 * mutating calls the simulated disk had made when it returned, so that a test can put a power loss right after any
 * protocol step ({@link SimulatedDisk#powerLossAfter}). Thread-safe.
 */
final class StepDisk extends ForwardingDisk {

    /** One recorded call: {@code "force"}, {@code "forceDirectory"}, {@code "create"} or {@code "delete"}. */
    record Step(String op, Path path, long callsAfter) {
        @Override
        public String toString() {
            return op + " " + path + " @" + callsAfter;
        }
    }

    private final SimulatedDisk sim;
    private final List<Step> steps = new ArrayList<>();

    StepDisk(SimulatedDisk sim) {
        super(sim);
        this.sim = sim;
    }

    synchronized List<Step> steps() {
        return new ArrayList<>(steps);
    }

    /** @return the first step at or after index {@code from} matching {@code op} and {@code path}; fails if none */
    synchronized int find(int from, String op, Predicate<Path> path) {
        for (int i = from; i < steps.size(); i++) {
            if (steps.get(i).op.equals(op) && path.test(steps.get(i).path)) {
                return i;
            }
        }
        throw new AssertionError("no step '" + op + "' after index " + from + " in " + steps);
    }

    /** @return the first step in [{@code from}, {@code to}) matching {@code op} and {@code path}, or -1 */
    synchronized int findBefore(int from, int to, String op, Predicate<Path> path) {
        for (int i = from; i < to; i++) {
            if (steps.get(i).op.equals(op) && path.test(steps.get(i).path)) {
                return i;
            }
        }
        return -1;
    }

    private synchronized void record(String op, Path path) {
        steps.add(new Step(op, path, sim.mutatingCalls()));
    }

    @Override
    public DiskFile open(Path file, OpenMode mode) throws IOException {
        DiskFile f = super.open(file, mode);
        if (mode == OpenMode.CREATE_NEW) {
            record("create", file);
        }
        return f;
    }

    @Override
    protected DiskFile wrap(DiskFile file) {
        return new ForwardingFile(file) {
            @Override
            public void force(boolean metadata) throws IOException {
                super.force(metadata);
                record("force", path());
            }
        };
    }

    @Override
    public void delete(Path path) throws IOException {
        super.delete(path);
        record("delete", path);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        boolean existed = super.deleteIfExists(path);
        if (existed) {
            record("delete", path);
        }
        return existed;
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        super.rename(source, target);
        record("rename", source);
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        super.forceDirectory(dir);
        record("forceDirectory", dir);
    }
}
