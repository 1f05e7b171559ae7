package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of the no-space change, deterministically: the n-th write of the log (records, markers, headers, zero-fill,
 * the zeroing of a failed range) fails, after writing nothing, half or all of its bytes; the workload goes on, and
 * power is lost at every one of the next mutating calls (inside the zeroing, its force, the retried rotation...).
 * Each image must recover to a gap-free log holding every acknowledged record (SYNC) at its LSN, and a record that is
 * not the acknowledged one for its LSN only if it is a failed append after which nothing was acknowledged.
 */
class WalNoSpaceReviewPowerLossTest {

    private static final Path ROOT = Path.of("/wal");

    @ParameterizedTest
    @EnumSource(value = SyncMode.class, names = {"SYNC", "NONE"})
    void aFailedWriteThenAPowerLossAtEveryLaterStep(SyncMode mode) {
        int runs = 0;
        int failedRuns = 0;
        for (int n = 1; n <= 70; n += (n < 30 ? 1 : 3)) {
            for (int how = 0; how < 3; how++) {
                for (int k = 0; k <= 10; k++) {
                    runs++;
                    failedRuns += run(mode, n, how, k) ? 1 : 0;
                }
            }
        }
        assertThat(failedRuns).as("runs in which the injected write failed an append").isGreaterThan(runs / 2);
    }

    /** @return whether the injected failure failed an append */
    private static boolean run(SyncMode mode, int n, int how, int k) {
        SimulatedDisk sim = new SimulatedDisk();
        CountingDisk disk = new CountingDisk(sim);
        WalOptions options = small(mode, disk).build();
        WriteAheadLog log = WriteAheadLog.open(ROOT, options);
        // The n-th write from here fails after writing nothing (0), half (1) or all (2) of its bytes.
        disk.writeCalls.set(0);
        disk.writeFault.set((path, index, length) -> index != n ? -1 : how == 0 ? 0 : how == 1 ? length / 2 : length);
        Map<Long, byte[]> acked = new HashMap<>();
        Map<Long, Integer> ackedIndex = new HashMap<>();
        Map<String, Integer> failedIndex = new HashMap<>();
        int lastAckedIndex = -1;
        boolean injectedFailedAnAppend = false;
        boolean armed = false;
        String what = mode + " write " + n + " how " + how + " power loss after " + k;
        for (int i = 0; i < 90; i++) {
            if (!armed && disk.writeFaultsFired.get() != 0) {
                sim.powerLossAfter(k);
                armed = true;
            }
            int size = 20 + (i * 7919) % 9000;
            byte[] r = record(i, size);
            try {
                long lsn = log.append(r);
                assertThat(acked.put(lsn, r)).as(what + ": LSN " + lsn + " acknowledged twice").isNull();
                ackedIndex.put(lsn, i);
                lastAckedIndex = i;
            } catch (StoreException e) {
                failedIndex.put(key(r), i);
                injectedFailedAnAppend |= !armed || !sim.poweredOff();
            }
            if (i % 20 == 19 && !sim.poweredOff()) {
                try {
                    log.truncateBefore(Math.max(0, log.lastLsn() - 8));
                } catch (StoreException e) {
                    // a failed truncation (power loss, or fail-stop after a failed force) changes nothing
                }
            }
        }
        for (long seed = 0; seed < 2; seed++) {
            SimulatedDisk image = sim.crash(seed + 31L * n + k);
            try (WriteAheadLog again = WriteAheadLog.open(ROOT, small(mode, image).build())) {
                List<Entry> all = replayFrom(again, again.firstLsn());
                for (int j = 1; j < all.size(); j++) {
                    assertThat(all.get(j).lsn()).as(what).isEqualTo(all.get(j - 1).lsn() + 1);
                }
                Map<Long, byte[]> got = new HashMap<>();
                for (Entry e : all) {
                    got.put(e.lsn(), e.bytes());
                    byte[] a = acked.get(e.lsn());
                    if (a != null && Arrays.equals(a, e.bytes())) {
                        continue;
                    }
                    Integer f = failedIndex.get(key(e.bytes()));
                    assertThat(f).as(what + ", seed " + seed + ": LSN " + e.lsn() + " holds "
                            + key(e.bytes()) + ", neither its acknowledged record nor a failed append").isNotNull();
                    assertThat(lastAckedIndex).as(what + ", seed " + seed + ": failed append " + key(e.bytes())
                            + " (append " + f + ") came back at LSN " + e.lsn() + " although append "
                            + lastAckedIndex + " was acknowledged after it").isLessThan(f);
                }
                if (mode == SyncMode.SYNC) {
                    long from = again.firstLsn();
                    for (Map.Entry<Long, byte[]> a : acked.entrySet()) {
                        if (a.getKey() >= from) {
                            assertThat(got.get(a.getKey())).as(what + ", seed " + seed + ": acknowledged LSN "
                                    + a.getKey() + " (append " + ackedIndex.get(a.getKey()) + ")")
                                    .isEqualTo(a.getValue());
                        }
                    }
                }
            }
        }
        try {
            log.close();
        } catch (StoreException e) {
            // after a power loss
        }
        return injectedFailedAnAppend;
    }

    private static String key(byte[] r) {
        int end = 0;
        while (end < r.length && r[end] != ';') {
            end++;
        }
        return new String(r, 0, end, java.nio.charset.StandardCharsets.UTF_8) + "/" + r.length;
    }
}
