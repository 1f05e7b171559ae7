package io.durakv.wal;

import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of the no-space change: closing while appenders run and writes fail (partly written, or not at all), file
 * creations fail (a rotation left half done, the writer sealed) and the clean-close marker's own write may fail.
 * Nothing hangs; close either closes cleanly or throws and leaves the log recoverable; every acknowledged record is
 * there after reopening (clean or after a power loss), at its LSN, and nothing else but failed appends at the end.
 */
class WalNoSpaceReviewCloseTest {

    private static final Path ROOT = Path.of("/wal");

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void closingWhileAppendsFailNeverHangsAndLosesNothing(SyncMode mode) throws Exception {
        for (long seed = 1; seed <= 12; seed++) {
            SimulatedDisk sim = new SimulatedDisk();
            WalNoSpaceReviewConcurrencyTest.FlakyDisk disk = new WalNoSpaceReviewConcurrencyTest.FlakyDisk(sim, seed);
            WalOptions options = small(mode, disk).batchInterval(Duration.ofMillis(1)).build();
            WriteAheadLog log = WriteAheadLog.open(ROOT, options);
            disk.armed.set(true);
            sim.inject(FaultRule.withProbability(DiskOp.CREATE, "wal-", 0.5, seed));
            Map<Long, byte[]> acked = new ConcurrentHashMap<>();
            AtomicReference<Throwable> problem = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                threads.add(new Thread(() -> {
                    try {
                        for (int i = 0; i < 100_000; i++) {
                            byte[] r = record((thread + 1) * 1_000_000L + i, 1 + (i * 977 + thread) % 7000);
                            try {
                                long lsn = log.append(r);
                                if (acked.put(lsn, r) != null) {
                                    throw new AssertionError("LSN " + lsn + " acknowledged twice");
                                }
                            } catch (StoreClosedException e) {
                                return;
                            } catch (StoreException e) {
                                if (log.isFailed()) {
                                    return; // a failed close
                                }
                            }
                        }
                    } catch (Throwable e) {
                        problem.compareAndSet(null, e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            Thread.sleep(5 + seed % 7);
            boolean clean;
            try {
                log.close();
                clean = true;
            } catch (StoreException e) {
                clean = false;
            }
            for (Thread t : threads) {
                t.join(30_000);
                assertThat(t.isAlive()).as("an appender hangs after close").isFalse();
            }
            if (problem.get() != null) {
                throw new AssertionError(problem.get());
            }
            disk.armed.set(false);
            sim.clearFaults();
            // Power-loss images first, then the disk itself (whose recovery may finish a rotation).
            for (long crash : new long[]{0, 1, -1}) {
                SimulatedDisk image = crash < 0 ? sim : sim.crash(seed * 10 + crash);
                try (WriteAheadLog again = WriteAheadLog.open(ROOT, small(mode, image).build())) {
                    List<Entry> all = replayAll(again);
                    for (int i = 1; i < all.size(); i++) {
                        assertThat(all.get(i).lsn()).isEqualTo(all.get(i - 1).lsn() + 1);
                    }
                    long lastAcked = acked.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
                    assertThat(acked).hasSize((int) lastAcked);
                    if (clean || mode == SyncMode.SYNC) {
                        assertThat(again.lastLsn()).as("seed %d crash %d clean %s", seed, crash, clean)
                                .isGreaterThanOrEqualTo(lastAcked);
                    }
                    for (Entry e : all) {
                        byte[] a = acked.get(e.lsn());
                        if (a != null) {
                            assertThat(Arrays.equals(a, e.bytes())).as("seed %d: LSN %d", seed, e.lsn()).isTrue();
                        } else {
                            assertThat(e.lsn()).as("seed %d: an unacknowledged record before an acknowledged one",
                                    seed).isGreaterThan(lastAcked);
                        }
                    }
                }
            }
        }
    }
}
