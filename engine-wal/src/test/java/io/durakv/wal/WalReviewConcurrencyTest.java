package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.ArrayList;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Review (wal-review): many appenders across rotations into recycled files, with truncation running alongside and
 * close racing the last appends. Checks: no deadlock, LSNs without gaps, every SYNC-acknowledged record durable (in
 * the forced state), every record returned by its position, and the log reopens with the same records.
 */
class WalReviewConcurrencyTest {

    private static final Path DIR = Path.of("/wal");

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void appendersRotationTruncationAndCloseTogether(SyncMode mode) {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int round = 0; round < 4; round++) {
                SimulatedDisk sim = new SimulatedDisk();
                CountingDisk disk = new CountingDisk(sim);
                disk.forceDelayMillis.set(1);
                WalOptions options = small(mode, disk).batchInterval(Duration.ofMillis(2)).build();
                WriteAheadLog log = WriteAheadLog.open(DIR, options);
                Map<Long, byte[]> acked = new ConcurrentHashMap<>();
                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService pool = Executors.newFixedThreadPool(9);
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < 150; i++) {
                            byte[] r = record(thread * 100000L + i, 500 + (i * 37 + thread * 101) % 2500);
                            WalPosition p = log.appendWithPosition(r);
                            acked.put(p.lsn(), r);
                            if (mode == SyncMode.SYNC) {
                                byte[] durable;
                                try {
                                    durable = sim.durableContent(DIR.resolve(WalFormat.fileName(p.segment())));
                                } catch (java.nio.file.NoSuchFileException gone) {
                                    // The truncating thread may remove the segment between the append's return and
                                    // this check; only a segment wholly below the log's first LSN may be gone.
                                    assertThat(log.firstLsn()).as("only a truncated segment is gone: " + p)
                                            .isGreaterThan(p.lsn());
                                    continue;
                                }
                                assertThat(durable.length).isGreaterThanOrEqualTo((int) p.offset() + 28 + r.length);
                                byte[] back = java.util.Arrays.copyOfRange(durable, (int) p.offset() + 28,
                                        (int) p.offset() + 28 + r.length);
                                assertThat(back).as("SYNC record " + p + " durable on return").isEqualTo(r);
                            }
                        }
                        return null;
                    }));
                }
                futures.add(pool.submit(() -> {
                    while (!stop.get()) {
                        long last = log.lastLsn();
                        log.truncateBefore(Math.max(0, last - 40));
                        Thread.sleep(1);
                    }
                    return null;
                }));
                for (int t = 0; t < 8; t++) {
                    futures.get(t).get();
                }
                stop.set(true);
                futures.get(8).get();
                long first = log.firstLsn();
                long last = log.lastLsn();
                assertThat(last).isEqualTo(8 * 150);
                List<Entry> all = replayAll(log);
                assertThat(lsns(all)).as("LSNs without gaps").isEqualTo(
                        java.util.stream.LongStream.rangeClosed(first, last).boxed().toList());
                for (Entry e : all) {
                    assertThat(e.bytes()).isEqualTo(acked.get(e.lsn()));
                }
                log.close();
                pool.shutdown();
                assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
                try (WriteAheadLog again = WriteAheadLog.open(DIR, small(mode, sim.crash(round)).build())) {
                    List<Entry> reopened = replayAll(again);
                    assertThat(lsns(reopened)).isEqualTo(lsns(all));
                    for (int i = 0; i < all.size(); i++) {
                        assertThat(reopened.get(i).bytes()).isEqualTo(all.get(i).bytes());
                    }
                }
            }
        });
    }
}
