package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review (wal-review): a power loss at every mutating call of truncation-with-recycling and of rotations that reuse
 * recycle files, then recovery and more rotations: every acknowledged record is kept, LSNs have no gap, and no
 * recycle file that is a live segment's second name is ever reused (the live records stay intact).
 */
class WalReviewRecycleCrashTest {

    private static final Path DIR = Path.of("/wal");

    @Test
    void powerLossAnywhereInTruncationAndReuse() throws IOException {
        for (long k = 0; ; k++) {
            SimulatedDisk sim = new SimulatedDisk();
            WalOptions options = small(SyncMode.SYNC, sim).build();
            Map<Long, byte[]> appended = new HashMap<>();
            long acked = 0;
            WriteAheadLog log = WriteAheadLog.open(DIR, options);
            while (sim.list(DIR).stream().filter(x -> x.endsWith(".log")).count() < 5) {
                byte[] r = record(acked + 1, 3000);
                acked = log.append(r);
                appended.put(acked, r);
            }
            long truncatedBefore = acked + 1;
            sim.powerLossAfter(k);
            boolean lost = false;
            try {
                log.truncateBefore(truncatedBefore);
                for (int i = 0; i < 60; i++) { // two rotations into recycle files and more
                    byte[] r = record(acked + 1, 3000);
                    long lsn = log.append(r);
                    appended.put(lsn, r);
                    acked = lsn;
                }
            } catch (StoreException e) {
                lost = sim.poweredOff();
                if (!lost) {
                    throw e;
                }
            }
            for (long seed = 0; seed < 4; seed++) {
                SimulatedDisk image = sim.crash(seed);
                try (WriteAheadLog again = WriteAheadLog.open(DIR, small(SyncMode.SYNC, image).build())) {
                    long last = again.lastLsn();
                    assertThat(last).as("k=" + k + " seed=" + seed).isGreaterThanOrEqualTo(acked);
                    check(again, appended, "k=" + k + " seed=" + seed + " after recovery");
                    long lsn = last;
                    for (int i = 0; i < 80; i++) {
                        byte[] r = record(lsn + 1, 3000);
                        lsn = again.append(r);
                        appended.put(lsn, r);
                    }
                    check(again, appended, "k=" + k + " seed=" + seed + " after more rotations");
                }
            }
            if (!lost) {
                assertThat(k).isGreaterThan(10);
                return;
            }
        }
    }

    private static void check(WriteAheadLog log, Map<Long, byte[]> appended, String what) {
        List<Entry> all = replayAll(log);
        assertThat(all).as(what).isNotEmpty();
        assertThat(all.get(all.size() - 1).lsn()).isEqualTo(log.lastLsn());
        for (int i = 0; i < all.size(); i++) {
            Entry e = all.get(i);
            assertThat(e.lsn()).as(what + ": no gap").isEqualTo(all.get(0).lsn() + i);
            assertThat(e.bytes()).as(what + ": record " + e.lsn()).isEqualTo(appended.get(e.lsn()));
        }
    }
}
