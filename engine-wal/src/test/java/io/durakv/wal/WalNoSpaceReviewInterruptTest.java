package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Review of the no-space change: not every failed write is a full disk. An appender thread that is interrupted while it
 * holds the write turn makes {@code FileChannel.write} throw {@code ClosedByInterruptException} and close the active
 * segment's channel for good. No later write to that segment can succeed, so the log must not "go on" as after a full
 * disk: it must be fail-stop ({@link WriteAheadLog#isFailed()}), so that the engine reopens it. Otherwise every later
 * append fails while {@code isFailed()} says the log is fine, until the process restarts.
 */
class WalNoSpaceReviewInterruptTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anInterruptedWriteThatClosesTheSegmentMakesTheLogFailStopNotWedged(SyncMode mode) {
        // Write calls, not a mapping: an interrupted write call closes the channel.
        WriteAheadLog log = WriteAheadLog.open(dir, small(mode, LocalDisk.INSTANCE).mappedWrites(false).build());
        try {
            assertThat(log.append(record(1, 100))).isEqualTo(1);
            log.sync();
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> log.append(record(2, 100))).isInstanceOf(StoreException.class);
            } finally {
                Thread.interrupted();
            }
            boolean wentOn;
            try {
                log.append(record(2, 100));
                wentOn = true;
            } catch (StoreException e) {
                wentOn = false;
            }
            assertThat(wentOn || log.isFailed())
                    .as("after the interrupted write closed the segment's channel, later appends fail; then the "
                            + "log must say it is fail-stop")
                    .isTrue();
        } finally {
            try {
                log.close();
            } catch (StoreException e) {
                // fail-stop: closed without a clean-close marker
            }
        }
        try (WriteAheadLog again = WriteAheadLog.open(dir, small(mode, LocalDisk.INSTANCE).build())) {
            assertThat(lsns(replayAll(again))).startsWith(1L);
            long next = again.lastLsn() + 1;
            assertThat(again.append(record(next, 100))).isEqualTo(next);
        }
    }

    /**
     * Where BATCH and NONE logs write through a mapping, a write is a memory copy, which an interrupt cannot stop: the
     * interrupted append is written and acknowledged, the caller keeps its interrupt flag, and the log goes on.
     */
    @ParameterizedTest
    @EnumSource(value = SyncMode.class, names = {"BATCH", "NONE"})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anInterruptedAppendThroughAMappingIsWrittenAndKeepsTheFlag(SyncMode mode) {
        assumeTrue(LocalDisk.mapsFiles(), "this JVM gives no mappings (LocalDisk.mapsFiles)");
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(mode, LocalDisk.INSTANCE).build())) {
            assertThat(log.append(record(1, 100))).isEqualTo(1);
            Thread.currentThread().interrupt();
            long lsn;
            try {
                lsn = log.append(record(2, 100));
                assertThat(Thread.currentThread().isInterrupted()).as("the caller's flag is kept").isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(lsn).isEqualTo(2);
            assertThat(log.isFailed()).isFalse();
            assertThat(log.append(record(3, 100))).isEqualTo(3);
        }
        try (WriteAheadLog again = WriteAheadLog.open(dir, small(mode, LocalDisk.INSTANCE).build())) {
            assertThat(lsns(replayAll(again))).containsExactly(1L, 2L, 3L);
        }
    }
}
