package io.durakv.btree;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.StoreException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static io.durakv.btree.Stores.DIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every write, force, delete, directory force, create and rename of a SYNC workload fails in turn (the n-th call of
 * its kind, for every n; the workload rotates and truncates log segments and checkpoints often): the write that sees
 * it throws {@link StoreException} or goes on (a checkpoint undone); after a failed force later writes fail fast
 * (fail-stop), after a failed write, create or rename the store goes on and the following writes succeed (no space,
 * issue 8); and after a power loss the recovered store holds exactly the acknowledged writes, plus perhaps the one
 * that failed if nothing was acknowledged after it.
 */
class FaultInjectionTest {

    private static final String[] PROPS = {"btree.pageBytes", "1024", "btree.checkpointBytes", "1024",
            "wal.segmentBytes", "65536"};

    /** One operation: a batch of puts (value) and deletes (null). */
    private record Op(List<byte[][]> entries) {
        void applyTo(Map<String, byte[]> model) {
            for (byte[][] e : entries) {
                if (e[1] == null) {
                    model.remove(new String(e[0]));
                } else {
                    model.put(new String(e[0]), e[1]);
                }
            }
        }

        WriteBatch batch() {
            WriteBatch b = new WriteBatch();
            for (byte[][] e : entries) {
                if (e[1] == null) {
                    b.delete(e[0]);
                } else {
                    b.put(e[0], e[1]);
                }
            }
            return b;
        }
    }

    private static List<Op> workload() {
        Random rnd = new Random(11);
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            List<byte[][]> entries = new ArrayList<>();
            for (int j = 0, n = 1 + rnd.nextInt(3); j < n; j++) {
                byte[] key = String.format("k%03d", rnd.nextInt(40)).getBytes();
                byte[] value = rnd.nextInt(5) == 0 ? null
                        : Stores.filled(rnd.nextInt(4) == 0 ? 3000 : 30, i * 10 + j); // > 64 KiB of log
                entries.add(new byte[][]{key, value});
            }
            ops.add(new Op(entries));
        }
        return ops;
    }

    private static StoreOptions options(SimulatedDisk disk) {
        StoreOptions.Builder b = StoreOptions.builder().syncMode(SyncMode.SYNC).disk(disk);
        for (int i = 0; i < PROPS.length; i += 2) {
            b.property(PROPS[i], PROPS[i + 1]);
        }
        return b.build();
    }

    @TestFactory
    Stream<DynamicTest> everyFailedCallLeavesTheAcknowledgedWritesAndFailsTheStoreOnlyAfterAFailedForce() {
        List<DynamicTest> tests = new ArrayList<>();
        // Every kind of mutating call the store makes. It deletes no file: the log recycles truncated segments by
        // renames (RENAME); a failing deletion in the log is tested in engine-wal's TruncationTest.
        for (DiskOp op : List.of(DiskOp.WRITE, DiskOp.FORCE, DiskOp.FORCE_DIRECTORY, DiskOp.CREATE, DiskOp.RENAME)) {
            tests.add(DynamicTest.dynamicTest(op.name(), () -> {
                long calls = countCalls(op);
                assertThat(calls).as("calls of " + op).isPositive();
                for (long n = 1; n <= calls; n++) {
                    runWithFault(op, n);
                }
            }));
        }
        return tests.stream();
    }

    private long countCalls(DiskOp op) {
        SimulatedDisk disk = new SimulatedDisk();
        try (BTreeStore s = BTreeStore.open(DIR, options(disk))) {
            for (Op o : workload()) {
                s.write(o.batch());
            }
        }
        return disk.calls(op);
    }

    private void runWithFault(DiskOp kind, long n) {
        String where = kind + " call " + n;
        SimulatedDisk disk = new SimulatedDisk();
        disk.inject(FaultRule.nthCall(kind, ".*", n));
        Map<String, byte[]> acked = new TreeMap<>();
        Map<String, byte[]> withFailed = null;
        BTreeStore s = null;
        try {
            s = BTreeStore.open(DIR, options(disk));
        } catch (StoreException e) {
            withFailed = new TreeMap<>();
        }
        boolean failStop = kind == DiskOp.FORCE || kind == DiskOp.FORCE_DIRECTORY;
        if (s != null) {
            boolean failedOnce = false;
            for (Op o : workload()) {
                try {
                    s.write(o.batch());
                    o.applyTo(acked);
                    // Acknowledged after the failed one: the log handed the failed write's LSN to a later one.
                    withFailed = null;
                } catch (StoreException e) {
                    assertThat(failedOnce).as(where + ": a second write failed after a single failed call")
                            .isFalse();
                    failedOnce = true;
                    withFailed = new TreeMap<>(acked);
                    o.applyTo(withFailed);
                    if (failStop) {
                        BTreeStore failed = s;
                        assertThatThrownBy(() -> failed.put("x".getBytes(), "y".getBytes())).as(where)
                                .isInstanceOf(StoreException.class);
                        break;
                    }
                }
            }
            try {
                s.close();
            } catch (StoreException e) {
                // The fault hit close's checkpoint, or the store had failed: either way nothing acknowledged is lost.
                assertThat(e).as(where).isNotNull();
            }
        }
        disk.clearFaults();
        for (long seed = 0; seed < 3; seed++) {
            try (BTreeStore r = BTreeStore.open(DIR, options(disk.crash(seed)))) {
                r.verify();
                Map<String, byte[]> state = readAll(r);
                boolean ok = equal(state, acked) || (withFailed != null && equal(state, withFailed));
                assertThat(ok).as(where + " seed " + seed + ": recovered " + state.keySet() + " acked "
                        + acked.keySet()).isTrue();
            }
        }
    }

    private static Map<String, byte[]> readAll(BTreeStore s) {
        Map<String, byte[]> m = new TreeMap<>();
        try (KeyValueIterator it = s.scan(null, null)) {
            while (it.hasNext()) {
                KeyValue kv = it.next();
                m.put(new String(kv.key()), kv.value());
            }
        }
        return m;
    }

    private static boolean equal(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
