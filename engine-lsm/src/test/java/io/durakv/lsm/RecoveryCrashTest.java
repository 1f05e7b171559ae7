package io.durakv.lsm;

import io.durakv.api.StoreException;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import static io.durakv.lsm.Stores.key;
import static io.durakv.lsm.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crashes inside recovery's own structural work: a log written with a large memtable is reopened with a 1 KiB one,
 * so recovery replays it into many memtables and flushes them (compacting L0 as it fills, rewriting the manifest)
 * before it returns. The power fails after every one of recovery's disk calls in turn; the next recovery, from
 * several crash images each, must find every write, and a crash during that second recovery too.
 */
class RecoveryCrashTest {

    private static final int KEYS = 120;
    private static final String[] SMALL = {"lsm.memtableBytes", "1024", "lsm.level0Trigger", "2",
            "lsm.level0StopTrigger", "3", "lsm.levelBaseBytes", "2048", "lsm.targetFileBytes", "1024",
            "lsm.manifestRewriteBytes", "256", "wal.segmentBytes", "65536"};

    @Test
    void crashAtEveryPointOfARecoveryThatFlushesAndCompactsLosesNothing() {
        SimulatedDisk base = new SimulatedDisk();
        try (LsmStore s = Stores.open(base, false, "lsm.memtableBytes", String.valueOf(1 << 20),
                "wal.segmentBytes", "65536")) {
            for (int n = 0; n < KEYS; n++) {
                int i = n * 7 % KEYS; // not in key order: recovery's flushes overlap, so L0 is merged, not moved
                s.put(key(i), value(i, 1));
            }
            assertThat(s.stats().flushes.get()).isZero();
        }
        SimulatedDisk probe = base.crash(0); // a closed store: the image holds everything
        long before = probe.mutatingCalls();
        Stats work;
        try (LsmStore s = Stores.open(probe, false, SMALL)) {
            work = s.stats();
        }
        long recoveryCalls = probe.mutatingCalls() - before;
        assertThat(work.flushes.get()).as("flushes inside recovery").isGreaterThan(3);
        assertThat(work.compactions.get()).as("compactions inside recovery").isPositive();
        assertThat(work.manifestRewrites.get()).as("manifest rewrites inside recovery").isPositive();
        for (long k = 0; k < recoveryCalls; k++) {
            SimulatedDisk disk = base.crash(0);
            disk.powerLossAfter(disk.mutatingCalls() + k);
            try {
                Stores.open(disk, false, SMALL).close();
            } catch (StoreException e) {
                assertThat(disk.poweredOff()).as("k=" + k + ": recovery failed with the power on: " + e).isTrue();
            }
            for (long seed = 1; seed <= 2; seed++) {
                SimulatedDisk crashed = disk.crash(seed);
                if (seed == 2) { // and a crash inside the second recovery, half way
                    crashed.powerLossAfter(crashed.mutatingCalls() + recoveryCalls / 2);
                    try {
                        Stores.open(crashed, false, SMALL).close();
                    } catch (StoreException e) {
                        assertThat(crashed.poweredOff()).as("k=" + k + ": " + e).isTrue();
                    }
                    crashed = crashed.crash(seed);
                }
                try (LsmStore s = Stores.open(crashed, false, SMALL)) {
                    s.verify();
                    for (int i = 0; i < KEYS; i++) {
                        assertThat(s.get(key(i))).as("k=" + k + " seed=" + seed + " key " + i).isEqualTo(value(i, 1));
                    }
                }
            }
        }
    }
}
