package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A failed force makes the log fail-stop until it is reopened (durability-contract.md, fsyncgate). A failed write does
 * not: {@link WalNoSpaceTest}.
 */
class FailStopTest {

    @TempDir
    Path dir;

    private final CountingDisk disk = new CountingDisk(LocalDisk.INSTANCE);

    @Test
    void failedForceFailsThatAppendAndEveryLaterOneFastUntilReopened() {
        WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC, disk).build());
        assertThat(log.append(record(1, 100))).isEqualTo(1);
        disk.failForces.set(true);
        assertThatThrownBy(() -> log.append(record(2, 100))).isInstanceOf(StoreException.class)
                .hasMessageContaining("injected force failure");
        disk.failForces.set(false);
        long writes = disk.writes.get();
        long forces = disk.forces.get();
        assertThatThrownBy(() -> log.append(record(3, 100))).isInstanceOf(StoreException.class)
                .hasMessageContaining("failed earlier");
        assertThatThrownBy(log::sync).isInstanceOf(StoreException.class).hasMessageContaining("failed earlier");
        assertThatThrownBy(() -> log.truncateBefore(1)).isInstanceOf(StoreException.class);
        assertThat(disk.writes.get()).as("no I/O after the failure").isEqualTo(writes);
        assertThat(disk.forces.get()).isEqualTo(forces);
        assertThatThrownBy(log::close).isInstanceOf(StoreException.class).hasMessageContaining("clean-close");
        log.close();

        try (WriteAheadLog reopened = WriteAheadLog.open(dir, small(SyncMode.SYNC, disk).build())) {
            // Record 2 was in flight: it may or may not be there. Record 1 is, and LSNs go on without a gap.
            long last = reopened.lastLsn();
            assertThat(last).isBetween(1L, 2L);
            assertThat(lsns(replayAll(reopened)).get(0)).isEqualTo(1);
            assertThat(reopened.append(record(9, 100))).isEqualTo(last + 1);
        }
    }

    @Test
    void failedBackgroundForceMakesTheNextAppendThrow() throws Exception {
        WalOptions options = small(SyncMode.BATCH, disk).batchInterval(Duration.ofMillis(5)).build();
        WriteAheadLog log = WriteAheadLog.open(dir, options);
        disk.failForces.set(true);
        log.append(record(1, 100));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        boolean failed = false;
        while (!failed && System.nanoTime() < deadline) {
            Thread.sleep(10);
            try {
                log.append(record(2, 100));
            } catch (StoreException e) {
                failed = true;
            }
        }
        assertThat(failed).as("an append after the failed background force throws").isTrue();
        disk.failForces.set(false);
        assertThatThrownBy(log::close).isInstanceOf(StoreException.class);
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options)) {
            assertThat(lsns(replayAll(reopened))).startsWith(1L);
        }
    }

    @Test
    void failedForceDuringRotationIsFailStop() {
        WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE, disk).build());
        log.append(record(1, 3000));
        // NONE mode forces only when a segment fills up and rotates: that is where the failure hits.
        disk.failForces.set(true);
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                log.append(record(100 + i, 3000));
            }
        }).isInstanceOf(StoreException.class);
        disk.failForces.set(false);
        assertThatThrownBy(log::close).isInstanceOf(StoreException.class);
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, small(SyncMode.NONE, disk).build())) {
            long last = reopened.lastLsn();
            assertThat(lsns(replayAll(reopened))).hasSize((int) last);
            assertThat(reopened.append(record(last + 1, 10))).isEqualTo(last + 1);
        }
    }
}
