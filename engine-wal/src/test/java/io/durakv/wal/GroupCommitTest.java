package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Concurrent appenders: one total order consistent with each thread's own, each record once; in SYNC mode far fewer
 * forces than appends (group commit proven by counting, not assumed).
 */
class GroupCommitTest {

    private static final int THREADS = 8;
    private static final int PER_THREAD = 150;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void eightThreadsShareForcesAndGetOneTotalOrderConsistentWithEachThread(SyncMode mode) throws Exception {
        CountingDisk disk = new CountingDisk(LocalDisk.INSTANCE);
        // Forces take a millisecond, as on a fast SSD, so that appenders really overlap even on tmpfs.
        disk.forceDelayMillis.set(1);
        WalOptions options = small(mode, disk).build();
        Map<Long, String> acknowledged = new HashMap<>();
        long forcesBefore;
        long forcesDuring;
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            forcesBefore = disk.forces.get();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Map<Long, String>>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    Map<Long, String> mine = new HashMap<>();
                    for (int i = 0; i < PER_THREAD; i++) {
                        String text = thread + ":" + i;
                        mine.put(log.append(text.getBytes(StandardCharsets.UTF_8)), text);
                    }
                    return mine;
                }));
            }
            start.countDown();
            for (Future<Map<Long, String>> f : results) {
                acknowledged.putAll(f.get(60, TimeUnit.SECONDS));
            }
            pool.shutdown();
            forcesDuring = disk.forces.get() - forcesBefore;
        }
        int appends = THREADS * PER_THREAD;
        assertThat(acknowledged).hasSize(appends);
        // Rotations add a few forces each; group commit must still keep the total far below one per append.
        assertThat(forcesDuring).as("forces for %d %s appends", appends, mode).isLessThan(appends / 3);

        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            List<Entry> all = replayAll(log);
            assertThat(all).hasSize(appends);
            Set<String> seen = new HashSet<>();
            int[] nextPerThread = new int[THREADS];
            for (int i = 0; i < all.size(); i++) {
                Entry e = all.get(i);
                assertThat(e.lsn()).isEqualTo(i + 1);
                String text = new String(e.bytes(), StandardCharsets.UTF_8);
                assertThat(seen.add(text)).as("record %s present once", text).isTrue();
                assertThat(acknowledged.get(e.lsn())).isEqualTo(text);
                String[] parts = text.split(":");
                int thread = Integer.parseInt(parts[0]);
                assertThat(Integer.parseInt(parts[1])).as("thread %d's own order", thread)
                        .isEqualTo(nextPerThread[thread]++);
            }
        }
    }

    @Test
    void oneSyncThreadPaysExactlyOneForcePerAppend() {
        CountingDisk disk = new CountingDisk(LocalDisk.INSTANCE);
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC, disk).build())) {
            long before = disk.forces.get();
            for (int i = 1; i <= 20; i++) {
                log.append(record(i, 100));
            }
            assertThat(disk.forces.get() - before).isEqualTo(20);
        }
    }

    @Test
    void eightSyncAppendersKeepTheirBatchesWholeAcrossForces() throws Exception {
        CountingDisk disk = new CountingDisk(LocalDisk.INSTANCE);
        // A 2 ms force, as on a slow disk: every released appender has time to come back before the next force
        // would be over, so a gathering leader covers about all eight with one force.
        disk.forceDelayMillis.set(2);
        int perThread = 100;
        try (WriteAheadLog log = WriteAheadLog.open(dir, WalOptions.builder().syncMode(SyncMode.SYNC).disk(disk)
                .segmentBytes(64L << 20).preallocate(false).build())) {
            long before = disk.forces.get();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        log.append(record(i, 100));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            long forces = disk.forces.get() - before;
            long appends = (long) THREADS * perThread;
            // Without gathering, forces alternate between covering one record and seven (about 4 per force).
            assertThat(appends / (double) forces).as("records per force (%d forces)", forces).isGreaterThan(6.0);
        }
    }

    @Test
    void batchAppendsAreWrittenWhileTheBackgroundForceIsStuck() throws Exception {
        CountingDisk disk = new CountingDisk(LocalDisk.INSTANCE);
        WalOptions options = WalOptions.builder().syncMode(SyncMode.BATCH).batchInterval(Duration.ofMillis(5))
                .disk(disk).segmentBytes(64L << 20).preallocate(false).build();
        CountDownLatch gate = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            long started = disk.forcesStarted.get();
            disk.forceGate = gate;
            log.append(record(0, 4096));
            waitFor(() -> disk.forcesStarted.get() > started, "the background force to start");
            long writes = disk.writes.get();
            long forces = disk.forces.get();
            // The flusher's force is stuck in the device: appends must still be written and return.
            Future<?> appends = pool.submit(() -> {
                for (int i = 1; i <= 200; i++) {
                    log.append(record(i, 4096));
                }
                return null;
            });
            long forcesWhileStuck;
            try {
                appends.get(30, TimeUnit.SECONDS);
                forcesWhileStuck = disk.forces.get();
            } finally {
                gate.countDown();
            }
            assertThat(disk.writes.get() - writes).as("writes during the stuck force").isPositive();
            assertThat(forcesWhileStuck).as("no force finished while the gate was closed").isEqualTo(forces);
        } finally {
            gate.countDown();
            pool.shutdownNow();
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            assertThat(replayAll(log)).hasSize(201);
        }
    }

    @Test
    void aSyncRecordIsWrittenDuringTheForceBeforeItsOwn() throws Exception {
        CountingDisk disk = new CountingDisk(LocalDisk.INSTANCE);
        WalOptions options = WalOptions.builder().syncMode(SyncMode.SYNC).disk(disk).segmentBytes(64L << 20)
                .preallocate(false).build();
        CountDownLatch gate = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            long started = disk.forcesStarted.get();
            disk.forceGate = gate;
            Future<Long> first = pool.submit(() -> log.append(record(1, 100)));
            waitFor(() -> disk.forcesStarted.get() > started, "the first record's force to start");
            long writes = disk.writes.get();
            Future<Long> second = pool.submit(() -> log.append(record(2, 100)));
            try {
                // The second record reaches the OS while the first one's force is still in the device.
                waitFor(() -> disk.writes.get() > writes, "the second record to be written");
                assertThat(first.isDone()).isFalse();
                assertThat(second.isDone()).isFalse();
            } finally {
                gate.countDown();
            }
            assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo(2);
        } finally {
            gate.countDown();
            pool.shutdownNow();
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            assertThat(replayAll(log)).hasSize(2);
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }
}
