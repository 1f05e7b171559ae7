package io.durakv.lsm;

import io.durakv.api.KeyValueStore;
import io.durakv.api.KeyValueStores;
import io.durakv.api.StoreException;
import io.durakv.api.StoreOptions;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static io.durakv.lsm.Stores.DIR;
import static io.durakv.lsm.Stores.key;
import static io.durakv.lsm.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A failed force inside a flush, compaction or manifest write turns the store read-only (fail-stop): that write and
 * every later one fail, reads go on, and reopening recovers every acknowledged write. (A failed write, create or rename
 * there is retried instead: {@link NoSpaceTest}.)
 */
class FailStopTest {

    private static final String[] SMALL = {"lsm.memtableBytes", "2048", "lsm.level0Trigger", "2",
            "lsm.levelBaseBytes", "4096", "lsm.targetFileBytes", "2048", "lsm.manifestRewriteBytes", "512",
            "wal.segmentBytes", "65536"};

    @ParameterizedTest(name = "{0} of {1} fails at call {2}")
    @CsvSource({
            "FORCE, .*\\.sst, 1", "FORCE, .*\\.sst, 4", "FORCE_DIRECTORY, /db, 2", "FORCE, .*manifest-.*, 3",
            "FORCE, .*CURRENT.*, 2", "FORCE, .*/wal/.*, 5"})
    void aFailureInStructuralWorkStopsWritesAndLosesNothingAcknowledged(DiskOp op, String path, long n) {
        SimulatedDisk disk = new SimulatedDisk();
        int acked = 0;
        boolean failed = false;
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            disk.inject(FaultRule.nthCall(op, path, n)); // after open: the n-th such call of the workload fails
            for (int i = 0; i < 1500 && !failed; i++) {
                try {
                    s.put(key(i % 400), value(i, i / 400));
                    acked = i + 1;
                } catch (StoreException e) {
                    failed = true;
                }
            }
            assertThat(failed).as("the injected fault fired and failed a write").isTrue();
            if (failed) {
                assertThatThrownBy(() -> s.put(key(0), value(0, 99))).isInstanceOf(StoreException.class);
                assertThatThrownBy(s::sync).isInstanceOf(StoreException.class);
                if (acked > 0) {
                    assertThat(s.get(key((acked - 1) % 400))).isEqualTo(value(acked - 1, (acked - 1) / 400));
                }
            }
        } catch (StoreException closeAfterFailure) {
            assertThat(failed).as("close failed although nothing failed before: " + closeAfterFailure).isTrue();
        }
        disk.clearFaults();
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            s.verify();
            for (int i = Math.max(0, acked - 400); i < acked; i++) {
                assertThat(s.get(key(i % 400))).as("key " + (i % 400) + " after " + acked + " acknowledged puts")
                        .isIn(value(i, i / 400), value(acked, acked / 400)); // or overwritten by the in-flight put
            }
        }
    }

    @Test
    void aFailedDeletionOfAnObsoleteTableKeepsTheStoreWritableAndTheNextOpenRemovesIt() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            disk.inject(FaultRule.fromNthCall(DiskOp.DELETE, ".*\\.sst", 1));
            for (int i = 0; i < 1500; i++) {
                s.put(key(i % 400), value(i, i / 400));
            }
            assertThat(s.stats().compactions.get()).isPositive();
            assertThat(s.stats().filesDeleted.get()).isZero();
            disk.clearFaults();
        }
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            java.util.Set<Long> live = new java.util.HashSet<>();
            s.versions.current().allFiles().forEach(f -> live.add(f.number));
            for (String name : disk.list(DIR)) {
                if (LsmFormat.sstNumber(name) >= 0) {
                    assertThat(live).as(name + " is live").contains(LsmFormat.sstNumber(name));
                }
            }
            for (int i = 1100; i < 1500; i++) {
                assertThat(s.get(key(i % 400))).isEqualTo(value(i, i / 400));
            }
        }
    }

    @Test
    void theEngineIsFoundByName() throws Exception {
        assertThat(KeyValueStores.engines()).contains("lsm");
        SimulatedDisk disk = new SimulatedDisk();
        try (KeyValueStore s = KeyValueStores.open("lsm", DIR, StoreOptions.builder().disk(disk).build())) {
            assertThat(s).isInstanceOf(LsmStore.class);
            s.put(key(1), value(1, 1));
        }
        assertThat(disk.list(DIR)).contains("CURRENT", "wal", "LOCK");
    }
}
