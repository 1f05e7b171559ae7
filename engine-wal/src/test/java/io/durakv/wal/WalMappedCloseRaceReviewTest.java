package io.durakv.wal;

import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Review of the mapped writes: a segment's mapping is released at {@code Segment.close()}, and a copy or force into a
 * released mapping crashes the JVM (no exception to catch). Here appenders, syncs, truncation with recycling (and the
 * spare segment), point reads and the background flusher run on 64 KiB mapped segments (a rotation every few dozen
 * appends) while the log is closed from another thread, optionally with interrupts thrown at the appenders (which can
 * make a rotation fail and the log fail-stop, so that close abandons the segment). If any thread touched a mapping
 * during or after its release, the test JVM would die. Afterwards every acknowledged record at or above the truncation
 * point is recovered intact.
 */
class WalMappedCloseRaceReviewTest {

    @TempDir
    Path root;

    @ParameterizedTest(name = "{0}, interrupts={1}")
    @CsvSource({"NONE,false", "BATCH,false", "NONE,true", "BATCH,true"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void closingWhileEveryPathTouchesTheMappingsNeverTouchesAReleasedOne(SyncMode mode, boolean interrupts)
            throws Exception {
        assumeTrue(LocalDisk.mapsFiles(), "this JVM gives no mappings (LocalDisk.mapsFiles)");
        Random random = new Random(mode.ordinal() * 31L + (interrupts ? 1 : 0));
        for (int round = 0; round < 12; round++) {
            Path dir = root.resolve("r" + round);
            WalOptions options = small(mode, LocalDisk.INSTANCE).batchInterval(java.time.Duration.ofMillis(1))
                    .build();
            WriteAheadLog log = WriteAheadLog.open(dir, options);
            Map<Long, byte[]> acked = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<WalPosition> positions = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            AtomicLong truncatedBelow = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                threads.add(new Thread(() -> {
                    for (long i = 0; ; i++) {
                        byte[] r = record(id * 1_000_000_000L + i, 100 + (int) (i % 7) * 150);
                        try {
                            WalPosition p = log.appendWithPosition(r);
                            acked.put(p.lsn(), r);
                            positions.add(p);
                        } catch (StoreClosedException e) {
                            return;
                        } catch (StoreException e) {
                            if (log.isFailed()) {
                                return; // an interrupt made a rotation fail: fail-stop, close abandons the segment
                            }
                        } catch (Throwable e) {
                            unexpected.add(e);
                            return;
                        }
                    }
                }, "appender-" + t));
            }
            threads.add(new Thread(() -> {
                while (true) {
                    try {
                        log.sync();
                        long last = log.lastLsn();
                        if (last > 300) {
                            log.truncateBefore(last - 200);
                            truncatedBelow.accumulateAndGet(last - 200, Math::max);
                        }
                    } catch (StoreException e) {
                        if (e instanceof StoreClosedException || log.isFailed()) {
                            return;
                        }
                    } catch (Throwable e) {
                        unexpected.add(e);
                        return;
                    }
                }
            }, "sync-truncate"));
            threads.add(new Thread(() -> {
                while (true) {
                    WalPosition p = positions.poll();
                    try {
                        if (p != null && acked.containsKey(p.lsn())) {
                            log.readAt(p);
                        } else {
                            log.lastLsn();
                        }
                    } catch (StoreClosedException e) {
                        return;
                    } catch (IllegalArgumentException | StoreException e) {
                        // truncated meanwhile, or a read failed: nothing mapped is involved
                    } catch (Throwable e) {
                        unexpected.add(e);
                        return;
                    }
                }
            }, "reader"));
            threads.forEach(Thread::start);
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50 + random.nextInt(150));
            while (System.nanoTime() < until) {
                if (interrupts) {
                    threads.get(random.nextInt(4)).interrupt();
                }
                Thread.sleep(1 + random.nextInt(5));
            }
            try {
                log.close();
            } catch (StoreException e) {
                assertThat(log.isFailed()).as("close fails only after a failure: %s", e).isTrue();
            }
            for (Thread t : threads) {
                t.join(30_000);
                assertThat(t.isAlive()).as(t.getName() + " ended").isFalse();
            }
            assertThat(unexpected).isEmpty();
            assertThat(acked).isNotEmpty();
            try (WriteAheadLog again = WriteAheadLog.open(dir, options)) {
                Map<Long, byte[]> back = new java.util.HashMap<>();
                again.replay(0, (lsn, bytes) -> back.put(lsn, bytes));
                for (Map.Entry<Long, byte[]> e : acked.entrySet()) {
                    if (e.getKey() >= truncatedBelow.get()) {
                        assertThat(back.get(e.getKey())).as("acknowledged record %d", e.getKey())
                                .isEqualTo(e.getValue());
                    }
                }
            }
            assertThat(Files.exists(dir)).isTrue();
        }
    }
}
