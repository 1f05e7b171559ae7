package io.durakv.bitcask;

import io.durakv.api.StoreException;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.durakv.bitcask.Stores.key;
import static io.durakv.bitcask.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Faults that are not crashes (durability-contract.md, docs/formats/bitcask.md "Failures"): a write, force, create,
 * rename or delete fails at the n-th call, inside appends, rotation, hint writing or a merge. A failed force (file or
 * directory) turns the store read-only (fail-stop: every later write fails) while reads go on. Any other failed call
 * fails only the write whose log append it hit; merges and hint files back off and retry, so the store goes on taking
 * writes. Either way, after a reopen it holds every acknowledged write (a write that threw: its old or its attempted
 * value) and passes {@link BitcaskStore#verify()}.
 */
class FaultInjectionTest {

    private static final int KEYS = 12;

    @TestFactory
    List<DynamicTest> aFailedDiskCallLosesNothingAcknowledged() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DiskOp op : new DiskOp[]{DiskOp.WRITE, DiskOp.FORCE, DiskOp.CREATE, DiskOp.RENAME, DiskOp.DELETE,
                DiskOp.FORCE_DIRECTORY}) {
            tests.add(DynamicTest.dynamicTest(op.toString(), () -> {
                int fired = 0;
                int retried = 0;
                for (int n = 1; n <= 40; n++) {
                    Outcome o = run(op, n);
                    fired += o.fired ? 1 : 0;
                    retried += o.retried ? 1 : 0;
                }
                assertThat(fired).as("faults that hit the workload").isPositive();
                if (op == DiskOp.WRITE || op == DiskOp.CREATE || op == DiskOp.RENAME || op == DiskOp.DELETE) {
                    assertThat(retried).as("faults in a merge or hint file, retried").isPositive();
                }
            }));
        }
        return tests;
    }

    private record Outcome(boolean fired, boolean retried) {
    }

    private static Outcome run(DiskOp op, int n) {
        boolean fatal = op == DiskOp.FORCE || op == DiskOp.FORCE_DIRECTORY;
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> acked = new HashMap<>();
        // A key whose last write threw: after a reopen it may hold that write's value (its outcome is unknown).
        Map<Integer, byte[]> attempted = new HashMap<>();
        boolean fired = false;
        boolean retried;
        BitcaskStore s = Stores.open(disk, "0.2");
        disk.inject(FaultRule.nthCall(op, ".*", n));
        try {
            for (int r = 0; r < 12 && !(fatal && fired); r++) {
                for (int i = 0; i < KEYS; i++) {
                    boolean delete = (r + i) % 7 == 3;
                    byte[] v = delete ? null : value(i, r, 2500);
                    try {
                        if (delete) {
                            s.delete(key(i));
                        } else {
                            s.put(key(i), v);
                        }
                    } catch (StoreException e) {
                        fired = true;
                        attempted.put(i, v);
                        if (fatal) {
                            break;
                        }
                        assertThat(s.get(key(i))).as("op %s n %d: a write that threw is not applied", op, n)
                                .isEqualTo(acked.get(i));
                        continue;
                    }
                    attempted.remove(i);
                    if (delete) {
                        acked.remove(i);
                    } else {
                        acked.put(i, v);
                    }
                    if (s.stopping()) { // a merge or hint write after this write failed for good
                        assertThat(fatal).as("op %s n %d: only a failed force stops writes", op, n).isTrue();
                        fired = true;
                        break;
                    }
                }
            }
            retried = s.background.retries() > 0;
            fired |= retried;
            if (fired && fatal) {
                assertThatThrownBy(() -> s.put(key(0), new byte[1])).as("op %s n %d", op, n)
                        .isInstanceOf(StoreException.class);
            } else {
                // The store goes on: the next writes succeed and the retried work completes.
                for (int t = 0; t < 200 && s.background.pending(); t++) {
                    Thread.sleep(Background.MIN_BACKOFF_MS);
                    s.put(key(0), value(0, 100 + t, 10));
                    acked.put(0, value(0, 100 + t, 10));
                    attempted.remove(0);
                }
                assertThat(s.background.pending()).as("op %s n %d: retried work done", op, n).isFalse();
                assertThat(s.stopping()).as("op %s n %d", op, n).isFalse();
                s.verify();
            }
            for (int i = 0; i < KEYS; i++) { // reads go on
                if (!attempted.containsKey(i)) {
                    assertThat(s.get(key(i))).as("op %s n %d key %d", op, n, i).isEqualTo(acked.get(i));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            try {
                s.close();
            } catch (StoreException expected) {
                // closing a failed store reports the failure
            }
        }
        disk.clearFaults();
        try (BitcaskStore r = Stores.open(disk, "0.2")) {
            for (int i = 0; i < KEYS; i++) {
                byte[] got = r.get(key(i));
                if (attempted.containsKey(i)) {
                    byte[] before = acked.get(i);
                    byte[] tried = attempted.get(i);
                    assertThat(got).as("op %s n %d key %d (write threw)", op, n, i)
                            .satisfiesAnyOf(g -> assertThat(g).isEqualTo(before),
                                    g -> assertThat(g).isEqualTo(tried));
                } else {
                    assertThat(got).as("op %s n %d key %d", op, n, i).isEqualTo(acked.get(i));
                }
            }
            r.verify();
        }
        return new Outcome(fired, retried);
    }
}
