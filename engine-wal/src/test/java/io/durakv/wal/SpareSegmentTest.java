package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The spare segment file BATCH and NONE make in the background once an eighth of the active segment is written, so that
 * rotation reuses it instead of zero-filling a new segment while an appender waits.
 */
class SpareSegmentTest {

    private static final Path DIR = Path.of("/wal");
    private static final long SEGMENT = 4L << 20;
    private static final int RECORD = 1000;
    private static final Path SPARE = DIR.resolve(WalFormat.recycleName(Segment.SPARE_LSN));

    private static WalOptions options(SyncMode mode, io.durakv.api.io.Disk disk) {
        return WalOptions.builder().syncMode(mode).segmentBytes(SEGMENT).batchInterval(Duration.ofMillis(5))
                .disk(disk).build();
    }

    /** Appends records until the active segment is half full, past the point where a spare is due; @return them */
    private static List<byte[]> fillHalf(WriteAheadLog log, long from) {
        List<byte[]> records = new ArrayList<>();
        long n = SEGMENT / 2 / (RECORD + WalFormat.FRAME_HEADER_SIZE) + 2;
        for (long i = 0; i < n; i++) {
            byte[] r = record(from + i, RECORD);
            log.append(r);
            records.add(r);
        }
        return records;
    }

    /** Appends until the log rotates; @return the records appended */
    private static List<byte[]> fillToRotation(WriteAheadLog log, long from) {
        List<byte[]> records = new ArrayList<>();
        int segments = log.segmentStarts().length;
        for (long i = from; log.segmentStarts().length == segments; i++) {
            byte[] r = record(i, RECORD);
            log.append(r);
            records.add(r);
        }
        return records;
    }

    @Test
    void batchMakesASpareOnceAnEighthOfASegmentIsWrittenAndRotationReusesItWithoutZeroFilling() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        CountingDisk disk = new CountingDisk(sim);
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(SyncMode.BATCH, disk))) {
            List<byte[]> acked = new ArrayList<>(fillHalf(log, 1));
            awaitTrue(() -> spareReady(log), "the spare file");
            long writesBefore = disk.writes.get();
            List<byte[]> more = fillToRotation(log, 100_000);
            acked.addAll(more);
            long rotationWrites = disk.writes.get() - writesBefore - more.size();
            // A new segment would take SEGMENT / 64 KiB zero-fill writes on the appender's path; the spare takes one
            // header write (plus the old segment's end marker).
            assertThat(rotationWrites).as("writes of the rotation besides the records").isLessThanOrEqualTo(3);
            assertThat(sim.exists(SPARE)).as("the spare became the new segment").isFalse();
            assertThat(replayAll(log)).extracting(Entry::bytes).containsExactlyElementsOf(acked);
        }
    }

    @Test
    void aSpareSurvivesACleanCloseAndIsUsedAfterReopen() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        List<byte[]> acked = new ArrayList<>();
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(SyncMode.NONE, sim))) {
            for (long i = 1; i <= 10; i++) {
                byte[] r = record(i, RECORD);
                log.append(r);
                acked.add(r);
            }
            log.sync();
        }
        assertThat(sim.exists(SPARE)).as("no spare for a segment not yet an eighth written").isFalse();
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(SyncMode.BATCH, sim))) {
            acked.addAll(fillHalf(log, 10_000));
            awaitTrue(() -> spareReady(log), "the spare file");
        }
        assertThat(sim.exists(SPARE)).isTrue();
        CountingDisk disk = new CountingDisk(sim);
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(SyncMode.SYNC, disk))) {
            long writesBefore = disk.writes.get();
            List<byte[]> more = fillToRotation(log, 100_000);
            acked.addAll(more);
            assertThat(disk.writes.get() - writesBefore - more.size()).isLessThanOrEqualTo(3);
            assertThat(sim.exists(SPARE)).isFalse();
            assertThat(replayAll(log)).extracting(Entry::bytes).containsExactlyElementsOf(acked);
        }
    }

    @Test
    void aFullDiskOnlyCostsTheSpareAndTheLogGoesOn() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        sim.inject(FaultRule.fromNthCall(DiskOp.WRITE, ".*\\.recycle", 1));
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(SyncMode.BATCH, sim))) {
            List<byte[]> acked = new ArrayList<>(fillHalf(log, 1));
            // The flusher tries once for this segment, fails and deletes what it made.
            Thread.sleep(100);
            assertThat(sim.exists(SPARE)).isFalse();
            assertThat(log.isFailed()).isFalse();
            acked.addAll(fillToRotation(log, 100_000));
            sim.clearFaults();
            // A new segment: the flusher tries again once the spare is due there, and succeeds.
            acked.addAll(fillHalf(log, 200_000));
            awaitTrue(() -> spareReady(log), "the spare file once the disk has room");
            assertThat(replayAll(log)).extracting(Entry::bytes).containsExactlyElementsOf(acked);
        }
    }

    /**
     * Power loss at every write of the spare's making (header, each 64 KiB of zeros) and after its force: recovery
     * opens every image, keeps or deletes the spare, loses nothing forced, and the log rotates on.
     */
    @Test
    void powerLossWhileTheSpareIsMadeLosesNothingAndTheLogRotatesOn() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        CountingDisk disk = new CountingDisk(sim);
        List<SimulatedDisk> images = new ArrayList<>();
        java.util.concurrent.CountDownLatch synced = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicLong forcesAtLastSpareWrite = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicInteger spareWrites = new java.util.concurrent.atomic.AtomicInteger();
        long spareWriteCalls = 1 + SEGMENT / (1 << 20); // the header, then zeros in 1 MiB chunks
        // Before each write of the spare (header, then each chunk of zeros), once every record is forced: a crash.
        disk.writeFault.set((path, index, length) -> {
            if (path.equals(SPARE)) {
                try {
                    synced.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (long seed = 0; seed < 2; seed++) {
                    images.add(sim.crash(index * 2 + seed));
                }
                forcesAtLastSpareWrite.set(disk.forcesStarted.get());
                spareWrites.incrementAndGet();
            }
            return -1;
        });
        List<byte[]> forced;
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(SyncMode.BATCH, disk))) {
            forced = fillHalf(log, 1);
            log.sync();
            // Hold file forces: the first one after the spare's last write is the spare's own (the thread making it
            // forces right after writing), so a crash can come right before it, all of the spare written, none forced.
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            disk.forceGate = gate;
            synced.countDown();
            awaitTrue(() -> spareWrites.get() == spareWriteCalls
                    && disk.forcesStarted.get() > forcesAtLastSpareWrite.get(), "the spare's force");
            disk.writeFault.set(null);
            for (long seed = 100; seed < 104; seed++) {
                images.add(sim.crash(seed)); // right before the spare's force
            }
            disk.forceGate = null;
            gate.countDown();
            awaitTrue(() -> spareReady(log), "the spare file");
            images.add(sim.crash(1)); // right after the spare's force
        }
        assertThat(images.size()).as("crash images taken while the spare was made").isGreaterThanOrEqualTo(9);
        for (SimulatedDisk image : images) {
            try (WriteAheadLog log = WriteAheadLog.open(DIR, options(SyncMode.SYNC, image))) {
                assertThat(replayAll(log)).extracting(Entry::bytes).containsExactlyElementsOf(forced);
                List<byte[]> all = new ArrayList<>(forced);
                all.addAll(fillToRotation(log, 100_000));
                assertThat(replayAll(log)).extracting(Entry::bytes).containsExactlyElementsOf(all);
                assertThat(image.exists(SPARE)).as("a spare the crash left is used or deleted").isFalse();
            }
        }
    }

    /**
     * The spare is made on a thread of its own, so the log's background forces go on while the spare's force (a whole
     * segment of zeros) runs: made on the log's background thread, it held the log's forces back for 0.1–0.3 s on the
     * benchmark machine, so that rotation then found that much more of the old segment to force while an appender
     * waited. Here the spare's force waits until the log has forced what was appended meanwhile.
     */
    @Test
    void theLogsForcesGoOnWhileTheSpareIsForced() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        CountingDisk disk = new CountingDisk(sim);
        java.util.concurrent.CountDownLatch spareForcing = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch logForced = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean logForcedFirst = new java.util.concurrent.atomic.AtomicBoolean();
        disk.beforeForce = path -> {
            if (path.equals(SPARE)) {
                spareForcing.countDown();
                try {
                    logForcedFirst.set(logForced.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (spareForcing.getCount() == 0 && path.getFileName().toString().endsWith(".log")) {
                logForced.countDown();
            }
        };
        WalOptions options = WalOptions.builder().syncMode(SyncMode.BATCH).segmentBytes(SEGMENT)
                .batchInterval(Duration.ofHours(1)).maxUnforcedBytes(16 << 10).disk(disk).build();
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options)) {
            List<byte[]> acked = new ArrayList<>(fillHalf(log, 1));
            assertThat(spareForcing.await(10, TimeUnit.SECONDS)).as("the spare's force started").isTrue();
            for (int i = 0; i < 40; i++) { // past the unforced bound: the log's background force is due
                byte[] r = record(500_000 + i, RECORD);
                log.append(r);
                acked.add(r);
            }
            awaitTrue(() -> spareReady(log), "the spare file");
            assertThat(logForcedFirst).as("the log forced while the spare's force waited").isTrue();
            assertThat(replayAll(log)).extracting(Entry::bytes).containsExactlyElementsOf(acked);
        }
    }

    /**
     * A rotation that finds no file in the pool but the spare under way waits for it and uses it, rather than
     * zero-filling a second file on the appender's path.
     */
    @Test
    void aRotationFindingTheSpareUnderWayWaitsForIt() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        CountingDisk disk = new CountingDisk(sim);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch spareForcing = new java.util.concurrent.CountDownLatch(1);
        disk.beforeForce = path -> {
            if (path.equals(SPARE)) {
                spareForcing.countDown();
                awaitLatch(release);
            }
        };
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(SyncMode.BATCH, disk))) {
            List<byte[]> acked = new ArrayList<>(fillHalf(log, 1));
            assertThat(spareForcing.await(10, TimeUnit.SECONDS)).as("the spare's force started").isTrue();
            long writesBefore = disk.segmentWrites.get();
            List<byte[]> more = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread appender = new Thread(() -> more.addAll(fillToRotation(log, 100_000)), "appender");
            appender.start();
            try {
                awaitTrue(() -> java.util.Arrays.stream(appender.getStackTrace())
                        .anyMatch(f -> f.getClassName().equals(SegmentPool.class.getName())
                                && f.getMethodName().equals("take")), "the rotation waiting for the spare");
            } finally {
                release.countDown();
            }
            appender.join(10_000);
            assertThat(appender.isAlive()).isFalse();
            acked.addAll(more);
            assertThat(disk.segmentWrites.get() - writesBefore - more.size())
                    .as("writes to segments besides the records: a header and the end marker, no zero-fill")
                    .isLessThanOrEqualTo(3);
            assertThat(sim.exists(SPARE)).as("the spare became the new segment").isFalse();
            assertThat(replayAll(log)).extracting(Entry::bytes).containsExactlyElementsOf(acked);
        }
    }

    /** Closing the log while a spare is half made stops its making and deletes the unfinished file. */
    @Test
    void closingWhileTheSpareIsHalfMadeDeletesIt() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        CountingDisk disk = new CountingDisk(sim);
        java.util.concurrent.CountDownLatch inSpare = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<WriteAheadLog> opened = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger spareWrites = new java.util.concurrent.atomic.AtomicInteger();
        // Holds the spare's first megabyte of zeros until close has told the spare to stop.
        disk.writeFault.set((path, index, length) -> {
            if (path.equals(SPARE) && spareWrites.incrementAndGet() == 2) {
                inSpare.countDown();
                try {
                    awaitTrue(() -> spareStopping(opened.get()), "close stopping the spare");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return -1; // lets the call through, and stays armed
        });
        WriteAheadLog log = WriteAheadLog.open(DIR, options(SyncMode.BATCH, disk));
        opened.set(log);
        List<byte[]> acked = new ArrayList<>(fillHalf(log, 1));
        assertThat(inSpare.await(10, TimeUnit.SECONDS)).as("the spare's making started").isTrue();
        log.close();
        assertThat(spareWrites.get()).as("the spare stopped after its first megabyte of zeros").isEqualTo(2);
        assertThat(sim.exists(SPARE)).as("the unfinished spare is deleted at close").isFalse();
        try (WriteAheadLog reopened = WriteAheadLog.open(DIR, options(SyncMode.SYNC, sim))) {
            assertThat(replayAll(reopened)).extracting(Entry::bytes).containsExactlyElementsOf(acked);
        }
    }

    /** A log that goes fail-stop (a failed force) while a spare is being made stops making it and deletes it. */
    @Test
    void aLogGoneFailStopStopsTheSpare() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        CountingDisk disk = new CountingDisk(sim);
        java.util.concurrent.CountDownLatch inSpare = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<WriteAheadLog> opened = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger spareWrites = new java.util.concurrent.atomic.AtomicInteger();
        // Holds the spare's first megabyte of zeros until the log has failed.
        disk.writeFault.set((path, index, length) -> {
            if (path.equals(SPARE) && spareWrites.incrementAndGet() == 2) {
                inSpare.countDown();
                try {
                    awaitTrue(() -> opened.get().isFailed(), "the log failing");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return -1; // lets the call through, and stays armed
        });
        WriteAheadLog log = WriteAheadLog.open(DIR, options(SyncMode.BATCH, disk));
        opened.set(log);
        try {
            fillHalf(log, 1);
            assertThat(inSpare.await(10, TimeUnit.SECONDS)).as("the spare's making started").isTrue();
            disk.failForces.set(true);
            log.append(record(900_000, RECORD));
            assertThatThrownBy(log::sync).isInstanceOf(io.durakv.api.StoreException.class);
            assertThat(log.isFailed()).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sim.exists(SPARE)) {
                assertThat(System.nanoTime()).as("the unfinished spare deleted").isLessThan(deadline);
                Thread.sleep(2);
            }
            Thread.sleep(50);
            assertThat(spareWrites.get()).as("the spare stopped after its first megabyte of zeros").isEqualTo(2);
        } finally {
            disk.failForces.set(false);
            try {
                log.close();
            } catch (io.durakv.api.StoreException e) {
                // a failed log reports its failure at close
            }
        }
    }

    private static boolean spareStopping(WriteAheadLog log) {
        try {
            Object pool = WalReviewTurnsTest.field(WriteAheadLog.class, "pool").get(log);
            return (boolean) WalReviewTurnsTest.field(SegmentPool.class, "stopping").get(pool);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitLatch(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return whether the spare is made: forced and in the log's pool (its file exists from its first write on) */
    private static boolean spareReady(WriteAheadLog log) {
        try {
            return ((SegmentPool) WalReviewTurnsTest.field(WriteAheadLog.class, "pool").get(log)).size() > 0;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }
}
