package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review (wal-review): recovery of a recycled active segment (seal, clean-close shortcut, reuse from the header),
 * interrupted by a power loss at every mutating call and run again, finds the same records.
 */
class WalReviewRecoveryIdempotenceTest {

    private static final Path DIR = Path.of("/wal");

    @Test
    void recoveryOfARecycledActiveSegmentInterruptedAnywhereFindsTheSameRecords() throws IOException {
        for (int scenario = 0; scenario < 3; scenario++) {
            SimulatedDisk disk = new SimulatedDisk();
            WalOptions options = small(SyncMode.NONE, disk).build();
            WriteAheadLog log = WriteAheadLog.open(DIR, options);
            long lsn = 0;
            while (disk.list(DIR).stream().filter(x -> x.endsWith(".log")).count() < 4) {
                lsn = log.append(record(lsn + 1, 3000));
            }
            log.truncateBefore(lsn + 1);
            long before = disk.list(DIR).stream().filter(x -> x.endsWith(".log")).count();
            do {
                lsn = log.append(record(lsn + 1, 1500));
            } while (disk.list(DIR).stream().filter(x -> x.endsWith(".log")).count() == before);
            byte[] activeFile = disk.content(DIR.resolve(WalFormat.fileName(lsn)));
            assertThat(java.nio.ByteBuffer.wrap(activeFile).order(WalFormat.ORDER).getInt(WalFormat.HEADER_FLAGS))
                    .as("the active segment is recycled").isEqualTo(WalFormat.FLAG_RECYCLED);
            if (scenario >= 1) {
                log.sync();
            }
            for (int k = 0; k < 12; k++) {
                lsn = log.append(record(lsn + 1, 1500));
            }
            if (scenario == 2) {
                log.close(); // clean-close marker in a recycled segment
            }
            for (long seed = 0; seed < 6; seed++) {
                SimulatedDisk image = disk.crash(seed);
                List<Entry> reference;
                try (WriteAheadLog ref = WriteAheadLog.open(DIR, small(SyncMode.NONE, image.crash(0)).build())) {
                    reference = replayAll(ref);
                }
                for (long k = 0; ; k++) {
                    SimulatedDisk attempt = image.crash(0);
                    attempt.powerLossAfter(k);
                    boolean interrupted = false;
                    try (WriteAheadLog w = WriteAheadLog.open(DIR, small(SyncMode.NONE, attempt).build())) {
                        // recovery completed
                    } catch (StoreException e) {
                        interrupted = attempt.poweredOff();
                        if (!interrupted) {
                            throw e;
                        }
                    }
                    for (long s2 = 0; s2 < 3; s2++) {
                        try (WriteAheadLog again = WriteAheadLog.open(DIR,
                                small(SyncMode.NONE, attempt.crash(s2)).build())) {
                            List<Entry> got = replayAll(again);
                            assertThat(lsns(got)).as("scenario " + scenario + ", seed " + seed + ", power loss after "
                                    + k + " calls, crash " + s2).containsExactlyElementsOf(lsns(reference));
                            for (int i = 0; i < got.size(); i++) {
                                assertThat(got.get(i).bytes()).isEqualTo(reference.get(i).bytes());
                            }
                        }
                    }
                    if (!interrupted) {
                        assertThat(k).as("recovery makes mutating calls").isGreaterThan(2);
                        break;
                    }
                }
            }
        }
    }
}
