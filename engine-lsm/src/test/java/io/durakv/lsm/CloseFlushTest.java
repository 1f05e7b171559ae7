package io.durakv.lsm;

import io.durakv.api.StoreException;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.durakv.lsm.Stores.key;
import static io.durakv.lsm.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Close flushes memtables of {@code lsm.closeFlushBytes} or more (lsm.md, "Close"), so the next open replays little
 * of the log; smaller ones stay in the log. The flush at close is the flush protocol, so a power loss after any disk
 * call of a close loses nothing acknowledged, and a flush at close that fails on a full disk leaves the records in
 * the log, forced by the close.
 */
class CloseFlushTest {

    private static final int KEYS = 60;
    /** A memtable far larger than the workload, so only close flushes; the threshold well below the workload. */
    private static final String[] PROPS = {"lsm.memtableBytes", "1048576", "lsm.closeFlushBytes", "2048",
            "wal.segmentBytes", "65536"};

    private static void fill(LsmStore s, int round) {
        for (int i = 0; i < KEYS; i++) {
            s.put(key(i), value(i, round));
        }
    }

    private static void check(LsmStore s, int round, String where) {
        s.verify();
        for (int i = 0; i < KEYS; i++) {
            assertThat(s.get(key(i))).as(where + ": key " + i).isEqualTo(value(i, round));
        }
    }

    @Test
    void closeFlushesMemtablesOverTheThresholdAndTheNextOpenReplaysNothing() {
        SimulatedDisk disk = new SimulatedDisk();
        long last;
        try (LsmStore s = Stores.open(disk, true, PROPS)) {
            fill(s, 0);
            last = s.wal.lastLsn();
            assertThat(s.stats().flushes.get()).as("no flush before close").isZero();
        }
        try (LsmStore s = Stores.open(disk, false, PROPS)) {
            assertThat(s.versions.coveredLsn()).as("tables cover every record").isEqualTo(last);
            assertThat(s.versions.current().files(0)).hasSize(1);
            assertThat(s.view().mem().isEmpty()).as("nothing replayed").isTrue();
            check(s, 0, "reopened");
        }
        try (LsmStore s = Stores.open(disk.crash(1), false, PROPS)) {
            check(s, 0, "after a crash");
        }
    }

    @Test
    void closeLeavesMemtablesUnderTheThresholdInTheLog() {
        SimulatedDisk disk = new SimulatedDisk();
        try (LsmStore s = Stores.open(disk, false, "lsm.memtableBytes", "1048576", "wal.segmentBytes", "65536")) {
            fill(s, 0); // a few KiB, under the default 1 MiB
        }
        try (LsmStore s = Stores.open(disk, false, PROPS)) {
            assertThat(s.versions.coveredLsn()).as("no table").isZero();
            assertThat(s.versions.current().allFiles()).isEmpty();
            assertThat(s.view().mem().isEmpty()).as("replayed from the log").isFalse();
            check(s, 0, "reopened");
        }
    }

    @Test
    void aPowerLossAfterAnyCallOfACloseThatFlushesLosesNothingAcknowledged() {
        SimulatedDisk probe = new SimulatedDisk();
        assertThat(Stores.putAndClose(probe, KEYS, 0, PROPS)).isEqualTo(KEYS);
        long first = probe.mutatingCalls(); // the first round's close flushed; the second round's close flushes again
        assertThat(Stores.putAndClose(probe, KEYS, 1, PROPS)).isEqualTo(KEYS);
        long calls = probe.mutatingCalls();
        for (long k = first; k <= calls; k++) {
            SimulatedDisk disk = new SimulatedDisk();
            Stores.putAndClose(disk, KEYS, 0, PROPS);
            disk.powerLossAfter(k);
            int acked = Stores.putAndClose(disk, KEYS, 1, PROPS);
            for (long seed = 0; seed < 2; seed++) {
                String where = "power loss after " + k + " of " + calls + " calls, image " + seed + ", " + acked
                        + " puts of round 1 acknowledged";
                try (LsmStore s = Stores.open(disk.crash(seed), false, PROPS)) {
                    s.verify();
                    for (int i = 0; i < KEYS; i++) {
                        byte[] v = s.get(key(i));
                        if (i < acked) {
                            assertThat(v).as(where + ": key " + i).isEqualTo(value(i, 1));
                        } else {
                            assertThat(v).as(where + ": key " + i).isIn(value(i, 0), value(i, 1));
                        }
                    }
                } catch (StoreException e) {
                    throw new AssertionError(where + ": recovery failed: " + e, e);
                }
            }
        }
    }

    /** The flush at close fails on a full disk: close still succeeds and forces the log; nothing is lost. */
    @ParameterizedTest(name = "{0} of {1} fails")
    @CsvSource({"WRITE, .*\\.sst", "CREATE, .*\\.sst", "WRITE, .*manifest-.*"})
    void aFlushAtCloseThatFailsOnAFullDiskLeavesTheRecordsInTheLog(DiskOp op, String path) {
        SimulatedDisk disk = new SimulatedDisk();
        LsmStore s = Stores.open(disk, false, PROPS);
        fill(s, 0);
        disk.inject(FaultRule.nthCall(op, path, 1)); // one failure: the close's log-end edit goes through
        s.close();
        assertThat(s.stats().flushes.get()).as("the flush at close failed").isZero();
        disk.clearFaults();
        try (LsmStore r = Stores.open(disk, false, PROPS)) {
            assertThat(r.versions.coveredLsn()).as("no table").isZero();
            check(r, 0, "reopened");
        }
        try (LsmStore r = Stores.open(disk.crash(2), false, PROPS)) {
            check(r, 0, "after a crash");
        }
    }
}
