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
 * Faults that are not crashes (durability-contract.md): a write, force, create, rename, delete or directory force
 * fails at the n-th call, inside appends, rotation, hint writing or a merge. The store must turn read-only
 * (fail-stop: every later write fails), keep serving reads, and after a reopen hold every acknowledged write, the one
 * write in flight at most, and pass {@link BitcaskStore#verify()}.
 */
class FaultInjectionTest {

    private static final int KEYS = 12;

    @TestFactory
    List<DynamicTest> aFailedDiskCallStopsWritesAndLosesNothingAcknowledged() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DiskOp op : new DiskOp[]{DiskOp.WRITE, DiskOp.FORCE, DiskOp.CREATE, DiskOp.RENAME, DiskOp.DELETE,
                DiskOp.FORCE_DIRECTORY}) {
            tests.add(DynamicTest.dynamicTest(op.toString(), () -> {
                int fired = 0;
                for (int n = 1; n <= 40; n++) {
                    if (run(op, n)) {
                        fired++;
                    }
                }
                assertThat(fired).as("faults that hit the workload").isPositive();
            }));
        }
        return tests;
    }

    /** @return whether the fault fired within the workload */
    private static boolean run(DiskOp op, int n) {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> acked = new HashMap<>();
        int inFlightKey = -1;
        byte[] inFlightValue = null;
        boolean fired = false;
        BitcaskStore s = Stores.open(disk, "0.2");
        disk.inject(FaultRule.nthCall(op, ".*", n));
        try {
            for (int r = 0; r < 12 && !fired; r++) {
                for (int i = 0; i < KEYS; i++) {
                    boolean delete = (r + i) % 7 == 3;
                    byte[] v = delete ? null : value(i, r, 2500);
                    inFlightKey = i;
                    inFlightValue = v;
                    try {
                        if (delete) {
                            s.delete(key(i));
                        } else {
                            s.put(key(i), v);
                        }
                    } catch (StoreException e) {
                        fired = true;
                        break;
                    }
                    if (delete) {
                        acked.remove(i);
                    } else {
                        acked.put(i, v);
                    }
                    inFlightKey = -1;
                    if (s.stopping()) { // a merge or hint write after this write failed
                        fired = true;
                        break;
                    }
                }
            }
            if (fired) {
                assertThatThrownBy(() -> s.put(key(0), new byte[1])).as("op %s n %d", op, n)
                        .isInstanceOf(StoreException.class);
                for (int i = 0; i < KEYS; i++) { // reads go on
                    if (i != inFlightKey) {
                        assertThat(s.get(key(i))).isEqualTo(acked.get(i));
                    }
                }
            }
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
                if (i == inFlightKey) {
                    byte[] before = acked.get(i);
                    byte[] attempted = inFlightValue;
                    assertThat(got).as("op %s n %d key %d (in flight)", op, n, i)
                            .satisfiesAnyOf(g -> assertThat(g).isEqualTo(before),
                                    g -> assertThat(g).isEqualTo(attempted));
                } else {
                    assertThat(got).as("op %s n %d key %d", op, n, i).isEqualTo(acked.get(i));
                }
            }
            r.verify();
        }
        return fired;
    }
}
