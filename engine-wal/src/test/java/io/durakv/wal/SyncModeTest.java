package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;

/** When each mode forces: counted with a wrapper around the local disk, never by timing how fast things are. */
class SyncModeTest {

    @TempDir
    Path dir;

    private final CountingDisk disk = new CountingDisk(LocalDisk.INSTANCE);

    @Test
    void noneModeDoesNotForceOnAppendButForcesOnSyncAndClose() {
        WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE, disk).build());
        long before = disk.forces.get();
        long writesBefore = disk.writes.get();
        for (int i = 1; i <= 20; i++) {
            log.append(record(i, 100));
        }
        assertThat(disk.forces.get()).isEqualTo(before);
        assertThat(disk.writes.get() - writesBefore).as("each append is written before it returns").isEqualTo(20);
        log.sync();
        assertThat(disk.forces.get()).isEqualTo(before + 1);
        log.sync();
        assertThat(disk.forces.get()).as("nothing new to force").isEqualTo(before + 1);
        log.append(record(21, 100));
        log.close();
        // close: one force for record 21, one for the clean-close marker
        assertThat(disk.forces.get()).isEqualTo(before + 3);
    }

    @Test
    void noneModeForcesAtRotation() {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE, disk).build())) {
            long before = disk.forces.get();
            long dirBefore = disk.directoryForces.get();
            for (int i = 1; i <= 40; i++) {
                log.append(record(i, 3000));
            }
            // Seal (force records, force end marker) and create (force header): three forces and a directory force.
            assertThat(disk.forces.get() - before).isEqualTo(3);
            assertThat(disk.directoryForces.get() - dirBefore).isEqualTo(1);
        }
    }

    /**
     * NONE's writeback: with segments of 32 MiB, the background thread forces once 4 MiB (an eighth) are written
     * unforced, and not before; appends never wait for it.
     */
    @Test
    void noneModeForcesInTheBackgroundOnceAnEighthOfALargeSegmentIsUnforced() throws Exception {
        WalOptions options = WalOptions.builder().syncMode(SyncMode.NONE).segmentBytes(32L << 20).disk(disk).build();
        assertThat(GroupCommitter.backgroundForceBytes(options)).isEqualTo(4L << 20);
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            long before = disk.forces.get();
            byte[] record = new byte[4000];
            for (int i = 0; i < 3 * 256; i++) { // about 3 MiB: below the bound
                log.append(record);
            }
            Thread.sleep(200);
            assertThat(disk.forces.get()).as("no force below an eighth of a segment").isEqualTo(before);
            for (int i = 0; i < 2 * 256; i++) { // past 4 MiB
                log.append(record);
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (disk.forces.get() == before && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(disk.forces.get()).as("the background writeback forced").isGreaterThan(before);
        }
    }

    @Test
    void batchModeAppendReturnsBeforeTheForceAndTheBackgroundForceFollowsWithinTheInterval() throws Exception {
        WalOptions options = small(SyncMode.BATCH, disk).batchInterval(Duration.ofMillis(20)).build();
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            long before = disk.forces.get();
            log.append(record(1, 100));
            // Generous: many intervals; only "a force happened", never how fast.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (disk.forces.get() == before && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(disk.forces.get()).isGreaterThan(before);
        }
    }

    @Test
    void batchModeForcesEarlyWhenUnforcedBytesPassTheBound() throws Exception {
        WalOptions options = small(SyncMode.BATCH, disk).batchInterval(Duration.ofHours(1))
                .maxUnforcedBytes(4096).build();
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            Thread.sleep(50);
            long before = disk.forces.get();
            for (int i = 1; i <= 8; i++) {
                log.append(record(i, 1000));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (disk.forces.get() == before && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(disk.forces.get()).isGreaterThan(before);
        }
    }

    @Test
    void batchModeIdleLogDoesNotForce() throws Exception {
        WalOptions options = small(SyncMode.BATCH, disk).batchInterval(Duration.ofMillis(5)).build();
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            log.append(record(1, 100));
            log.sync();
            long before = disk.forces.get();
            Thread.sleep(100);
            assertThat(disk.forces.get()).isEqualTo(before);
        }
    }

    @Test
    void syncMakesEveryEarlierAppendDurableInEveryMode() {
        for (SyncMode mode : SyncMode.values()) {
            Path d = dir.resolve(mode.name());
            try (WriteAheadLog log = WriteAheadLog.open(d, small(mode, disk).batchInterval(Duration.ofHours(1))
                    .build())) {
                log.append(record(1, 100));
                long before = disk.forces.get();
                log.sync();
                // SYNC already forced; the other modes force now.
                assertThat(disk.forces.get() - before).isEqualTo(mode == SyncMode.SYNC ? 0 : 1);
            }
        }
    }
}
