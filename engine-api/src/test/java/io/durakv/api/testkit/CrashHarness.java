package io.durakv.api.testkit;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Runs crash-suite workloads against a store on a {@link SimulatedDisk} and checks every recovery with a
 * {@link CrashOracle}. Used by {@link CrashSuite}; usable directly, e.g. to show that a broken store fails.
 *
 * <p>One run, from its seed alone: generate a workload; schedule a power loss after {@code k} mutating disk calls;
 * open the store and run the workload until an operation fails because the power is off (or to the end and a clean
 * close); take a crash image; recover from it, sometimes crashing inside recovery itself and recovering again; check
 * the recovered state against the oracle and the engine's integrity check; crash the recovered store again at once
 * and check that the second recovery finds exactly the same state (recovery is idempotent and never rolls back what
 * it exposed). Random runs repeat that for several crash-recover cycles, writing on after each recovery.
 */
public final class CrashHarness {

    /** The store's directory on the simulated disk. */
    public static final Path DIR = Path.of("/db");

    private final StoreFactory factory;
    private final Map<String, String> properties;
    private final CrashWorkload workload;
    private final Consumer<KeyValueStore> integrityCheck;
    private final Duration batchInterval;

    /**
     * @param factory        opens the store under test
     * @param properties     engine properties for every open (small thresholds make structural work frequent)
     * @param workload       the workload generator
     * @param integrityCheck run on every recovered store (an engine's structural verify); may be a no-op
     * @param batchInterval  the BATCH-mode interval to open with
     */
    public CrashHarness(StoreFactory factory, Map<String, String> properties, CrashWorkload workload,
                        Consumer<KeyValueStore> integrityCheck, Duration batchInterval) {
        this.factory = factory;
        this.properties = Map.copyOf(properties);
        this.workload = workload;
        this.integrityCheck = integrityCheck;
        this.batchInterval = batchInterval;
    }

    /** @return the options every open uses: the mode, the disk, the properties */
    public StoreOptions options(SyncMode mode, SimulatedDisk disk) {
        StoreOptions.Builder b = StoreOptions.builder().syncMode(mode).batchInterval(batchInterval).disk(disk);
        properties.forEach(b::property);
        return b.build();
    }

    /**
     * Runs the single-thread workload of {@code seed} without a power loss.
     *
     * @return the number of mutating disk calls it made, open and close included: the crash points to enumerate
     */
    public long countCrashPoints(SyncMode mode, long seed, int ops) {
        SimulatedDisk disk = new SimulatedDisk();
        List<WorkOp> work = workload.generate(new Random(seed), 0, 0, ops);
        CrashOracle oracle = new CrashOracle(CrashOracle.newMap(), 1);
        KeyValueStore store = openExpectingSuccess(disk, mode, "the run without power loss");
        runThread(store, disk, oracle, 0, work);
        store.close();
        return disk.mutatingCalls();
    }

    /**
     * One enumerated crash point: the power fails after {@code k} mutating calls of the single-thread workload of
     * {@code seed}; then recovery and the checks.
     */
    public void runCrashPoint(SyncMode mode, long seed, int ops, long k) {
        String where = mode + " seed=" + seed + " ops=" + ops + " k=" + k;
        Random rnd = new Random(seed);
        List<WorkOp> work = workload.generate(rnd, 0, 0, ops);
        SimulatedDisk disk = new SimulatedDisk();
        CrashOracle oracle = new CrashOracle(CrashOracle.newMap(), 1);
        disk.powerLossAfter(k);
        KeyValueStore store = openDuringWorkload(disk, mode);
        if (store != null) {
            runThreads(store, disk, oracle, List.of(work));
            closeOrAbandon(store, disk, oracle);
        }
        Recovered r = recoverAndCheck(disk.crash(rnd.nextLong()), mode, oracle, rnd, where);
        abandon(r.store);
    }

    /**
     * One random run: {@code cycles} crash-recover cycles of {@code threads} writer threads, each cycle writing
     * {@code opsPerThread} operations per thread with the power failing at a random point; then a clean close, a
     * crash, and a check that nothing at all was lost.
     */
    public void runRandom(SyncMode mode, long seed, int threads, int opsPerThread, int cycles) {
        String where = mode + " random seed=" + seed + " threads=" + threads;
        Random rnd = new Random(seed);
        SimulatedDisk disk = new SimulatedDisk();
        NavigableMap<byte[], byte[]> state = CrashOracle.newMap();
        KeyValueStore store = null;
        for (int c = 0; c < cycles; c++) {
            CrashOracle oracle = new CrashOracle(state, threads);
            List<List<WorkOp>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                work.add(workload.generate(rnd, t, c, opsPerThread));
            }
            // Roughly three mutating calls per operation: the power fails anywhere in the cycle, or not at all.
            disk.powerLossAfter(rnd.nextInt(Math.max(1, 4 * threads * opsPerThread)));
            if (store == null) {
                store = openDuringWorkload(disk, mode);
            }
            if (store != null) {
                runThreads(store, disk, oracle, work);
                closeOrAbandon(store, disk, oracle);
            }
            Recovered r = recoverAndCheck(disk.crash(rnd.nextLong()), mode, oracle, rnd, where + " cycle=" + c);
            store = r.store;
            disk = r.disk;
            state = r.state;
        }
        // A clean close makes everything durable in every mode: a crash after it loses nothing.
        store.close();
        CrashOracle closed = new CrashOracle(state, threads);
        closed.closedCleanly();
        Recovered last = recoverAndCheck(disk.crash(rnd.nextLong()), mode, closed, rnd, where + " after close");
        if (!CrashOracle.differences(state, last.state).isEmpty()) {
            throw new AssertionError(where + ": state changed across a clean close and crash: "
                    + CrashOracle.differences(state, last.state));
        }
        last.store.close();
    }

    private record Recovered(KeyValueStore store, SimulatedDisk disk, NavigableMap<byte[], byte[]> state) {
    }

    /**
     * Recovers from {@code crashed}, possibly crashing inside recovery first, checks the state, then crashes the
     * recovered store at once and checks that the next recovery finds the very same state.
     *
     * @return the store open on the last disk, with the verified state
     */
    private Recovered recoverAndCheck(SimulatedDisk crashed, SyncMode mode, CrashOracle oracle, Random rnd,
                                      String where) {
        SimulatedDisk disk = crashed;
        int recoveryCrashes = rnd.nextInt(3);
        for (int i = 0; i < recoveryCrashes; i++) {
            long calls = recoveryCalls(disk, mode, where);
            if (calls == 0) {
                break;
            }
            disk.powerLossAfter(rnd.nextLong(calls));
            KeyValueStore s = openDuringWorkload(disk, mode);
            abandon(s);
            disk = disk.crash(rnd.nextLong());
        }
        KeyValueStore store = openExpectingSuccess(disk, mode, where + " recovery");
        NavigableMap<byte[], byte[]> state;
        try {
            state = readAll(store, where, oracle.threads());
            integrityCheck.accept(store);
            oracle.check(state, mode);
        } catch (AssertionError | RuntimeException e) {
            abandon(store);
            throw failure(where, e);
        }
        // Recovery must be idempotent: crash right now, with the recovered store still open, and recover again.
        SimulatedDisk again = disk.crash(rnd.nextLong());
        abandon(store);
        KeyValueStore reopened = openExpectingSuccess(again, mode, where + " second recovery");
        try {
            NavigableMap<byte[], byte[]> second = readAll(reopened, where, oracle.threads());
            List<String> diff = CrashOracle.differences(state, second);
            if (!diff.isEmpty()) {
                throw new AssertionError("a crash right after recovery changed the recovered state: " + diff);
            }
        } catch (AssertionError | RuntimeException e) {
            abandon(reopened);
            throw failure(where, e);
        }
        return new Recovered(reopened, again, state);
    }

    /** @return how many mutating calls a recovery from {@code disk} makes (measured on an identical copy) */
    private long recoveryCalls(SimulatedDisk disk, SyncMode mode, String where) {
        SimulatedDisk copy = disk.crash(0); // everything on a crash image is durable: the copy is identical
        KeyValueStore s = openExpectingSuccess(copy, mode, where + " recovery probe");
        long calls = copy.mutatingCalls();
        abandon(s);
        return calls;
    }

    private void runThreads(KeyValueStore store, SimulatedDisk disk, CrashOracle oracle, List<List<WorkOp>> work) {
        if (work.size() == 1) {
            runThread(store, disk, oracle, 0, work.get(0));
            return;
        }
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        for (int t = 0; t < work.size(); t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    runThread(store, disk, oracle, id, work.get(id));
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            }, "crash-writer-" + t);
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            try {
                th.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError("writer thread failed", errors.get(0));
            errors.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    /** Runs one thread's operations until the end or until one fails because the power is off. */
    private void runThread(KeyValueStore store, SimulatedDisk disk, CrashOracle oracle, int thread,
                           List<WorkOp> work) {
        for (WorkOp op : work) {
            try {
                if (op.isWrite()) {
                    CrashOracle.Entry e = oracle.started(thread, op);
                    op.executeOn(store);
                    oracle.acked(e);
                } else {
                    long s = oracle.syncStarted();
                    store.sync();
                    oracle.syncCompleted(s);
                }
            } catch (RuntimeException e) {
                requirePowerLoss(disk, e, op.toString());
                return;
            }
        }
    }

    private void closeOrAbandon(KeyValueStore store, SimulatedDisk disk, CrashOracle oracle) {
        if (disk.poweredOff()) {
            abandon(store);
            return;
        }
        try {
            store.close();
            oracle.closedCleanly();
        } catch (RuntimeException e) {
            requirePowerLoss(disk, e, "close()");
        }
    }

    /** @return the opened store, or null when the power failed during open */
    private KeyValueStore openDuringWorkload(SimulatedDisk disk, SyncMode mode) {
        try {
            return factory.open(DIR, options(mode, disk));
        } catch (RuntimeException e) {
            requirePowerLoss(disk, e, "open");
            return null;
        }
    }

    private KeyValueStore openExpectingSuccess(SimulatedDisk disk, SyncMode mode, String where) {
        try {
            return factory.open(DIR, options(mode, disk));
        } catch (RuntimeException e) {
            throw failure(where, new AssertionError("recovery failed: " + e, e));
        }
    }

    /** An operation may fail only because the power is off, and then only with a StoreException. */
    private static void requirePowerLoss(SimulatedDisk disk, RuntimeException e, String what) {
        if (!disk.poweredOff()) {
            throw new AssertionError(what + " failed although the power is on: " + e, e);
        }
        if (!(e instanceof StoreException)) {
            throw new AssertionError(what + " failed on power loss with " + e.getClass().getName()
                    + " instead of a StoreException", e);
        }
    }

    /** Reads the whole store by scan, and checks by get every key the workload could have written. */
    NavigableMap<byte[], byte[]> readAll(KeyValueStore store, String where, int threads) {
        NavigableMap<byte[], byte[]> state = StoreReads.scanOrdered(store, where);
        for (int t = 0; t < threads; t++) {
            for (byte[] key : workload.keysOf(t)) {
                if (!Arrays.equals(store.get(key), state.get(key))) {
                    throw new AssertionError(where + ": get(" + WorkOp.text(key) + ") = "
                            + WorkOp.text(store.get(key)) + " disagrees with scan: " + WorkOp.text(state.get(key)));
                }
            }
        }
        return state;
    }

    /** Closes a store whose disk may be powered off; close must still release its threads and lock. */
    private static void abandon(KeyValueStore store) {
        if (store == null) {
            return;
        }
        try {
            store.close();
        } catch (RuntimeException ignored) {
            // The power is off: close cannot force, but has released the store's resources.
        }
    }

    private static AssertionError failure(String where, Throwable e) {
        if (e instanceof AssertionError a && a.getMessage() != null && a.getMessage().startsWith("[")) {
            return a;
        }
        return new AssertionError("[" + where + "] " + e.getMessage(), e);
    }
}
