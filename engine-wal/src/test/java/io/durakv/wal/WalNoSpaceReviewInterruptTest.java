package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeUnit;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Review of the no-space change: not every failed write is a full disk. A thread interrupted <em>during</em> a write
 * call of the write turn makes {@code FileChannel.write} throw {@code ClosedByInterruptException} and close the
 * active segment's channel for good. No later write to that segment can succeed, so the log must not "go on" as after
 * a full disk: it must be fail-stop ({@link WriteAheadLog#isFailed()}), so that the engine reopens it. An interrupt
 * set <em>before</em> the append no longer reaches the channel: the turn runs its I/O without the flag (the turn
 * writes and forces for every appender) and sets it again after, so the append succeeds and the caller keeps its flag.
 */
class WalNoSpaceReviewInterruptTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anInterruptedWriteThatClosesTheSegmentMakesTheLogFailStopNotWedged(SyncMode mode) {
        // Write calls, not a mapping: a write call on an interrupted thread closes the channel. The interrupt lands
        // inside the call, after the turn cleared the flag, as one arriving during the I/O would.
        AtomicBoolean interruptNextWrite = new AtomicBoolean();
        ForwardingDisk disk = new ForwardingDisk(LocalDisk.INSTANCE) {
            @Override
            protected DiskFile wrap(DiskFile file) {
                return new ForwardingFile(file) {
                    @Override
                    public void write(long position, ByteBuffer src) throws IOException {
                        if (interruptNextWrite.getAndSet(false)) {
                            Thread.currentThread().interrupt();
                        }
                        super.write(position, src);
                    }
                };
            }
        };
        WriteAheadLog log = WriteAheadLog.open(dir, small(mode, disk).mappedWrites(false).build());
        try {
            assertThat(log.append(record(1, 100))).isEqualTo(1);
            log.sync();
            interruptNextWrite.set(true);
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
     * With write calls (every mode), an appender whose interrupt flag is set before it appends: its turn writes (and
     * in SYNC forces) without the flag, so the channel stays open, the append succeeds, the caller keeps its flag and
     * the log goes on.
     */
    @ParameterizedTest
    @EnumSource(SyncMode.class)
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anAppendOnAnInterruptedThreadIsWrittenAndKeepsTheFlag(SyncMode mode) {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(mode, LocalDisk.INSTANCE).mappedWrites(false)
                .build())) {
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
