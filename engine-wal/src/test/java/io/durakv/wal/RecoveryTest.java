package io.durakv.wal;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Recovery from what a crash or damage leaves: a torn tail is cut off silently (it was never forced), damage to forced
 * bytes is a {@link CorruptionException} naming file and offset. A crash is simulated here by abandoning an open log
 * (never closing it) and editing its files, as a power loss could have left them.
 */
class RecoveryTest {

    @TempDir
    Path dir;

    /** Appends {@code count} records and returns their positions, leaving the log open (as a crash would). */
    private List<WalPosition> appendAndAbandon(SyncMode mode, int count, int size) {
        WriteAheadLog log = WriteAheadLog.open(dir, small(mode));
        List<WalPosition> positions = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            positions.add(log.appendWithPosition(record(i, size)));
        }
        return positions;
    }

    private Path segment(long first) {
        return dir.resolve(WalFormat.fileName(first));
    }

    private static long frameEnd(WalPosition p, int size) {
        return p.offset() + WalFormat.FRAME_HEADER_SIZE + size;
    }

    @Test
    void tornTailIsCutOffAndTheNextAppendContinuesAfterThePrefix() throws IOException {
        WalOptions options = small(SyncMode.NONE, LocalDisk.INSTANCE).preallocate(false).build();
        WriteAheadLog crashed = WriteAheadLog.open(dir, options);
        List<WalPosition> p = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            p.add(crashed.appendWithPosition(record(i, 300)));
        }
        // The file ends in the middle of record 5, as if the crash kept only part of its write.
        try (FileChannel ch = FileChannel.open(segment(1), StandardOpenOption.WRITE)) {
            ch.truncate(p.get(4).offset() + 100);
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            assertThat(lsns(replayAll(log))).containsExactly(1L, 2L, 3L, 4L);
            assertThat(log.append(record(5, 50))).isEqualTo(5);
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            List<Entry> all = replayAll(log);
            assertThat(lsns(all)).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(all.get(4).bytes()).isEqualTo(record(5, 50));
        }
    }

    @Test
    void zeroFilledPreallocatedTailIsACleanEnd() throws IOException {
        List<WalPosition> p = appendAndAbandon(SyncMode.SYNC, 3, 100);
        byte[] rest = Files.readAllBytes(segment(1));
        for (long i = frameEnd(p.get(2), 100); i < rest.length; i++) {
            assertThat(rest[(int) i]).isZero();
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(lsns(replayAll(log))).containsExactly(1L, 2L, 3L);
            assertThat(log.append(record(4, 10))).isEqualTo(4);
        }
    }

    @Test
    void garbageAfterTheLastForcedRecordIsDroppedAndZeroed() throws IOException {
        List<WalPosition> p = appendAndAbandon(SyncMode.SYNC, 3, 100);
        long end = frameEnd(p.get(2), 100);
        overwrite(segment(1), end, garbage(5000, 7));
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(lsns(replayAll(log))).containsExactly(1L, 2L, 3L);
        }
        byte[] bytes = Files.readAllBytes(segment(1));
        // The clean close left its marker right after record 3; everything after that is zero again.
        for (long i = end + WalFormat.MARKER_SIZE; i < end + 5000; i++) {
            assertThat(bytes[(int) i]).as("byte %d", i).isZero();
        }
    }

    @Test
    void staleRecordsAfterATornRecordNeverComeBack() throws IOException {
        List<WalPosition> p = appendAndAbandon(SyncMode.NONE, 6, 200);
        // Record 3 was lost (its page never reached the disk) while records 4 to 6 survived intact.
        overwrite(segment(1), p.get(2).offset(), new byte[228]);
        WriteAheadLog second = WriteAheadLog.open(dir, small(SyncMode.NONE));
        assertThat(lsns(replayAll(second))).containsExactly(1L, 2L);
        // A new record 3 of the same size lands exactly where the old one was, so the old record 4 would follow it.
        second.append(record(33, 200));
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            List<Entry> all = replayAll(log);
            assertThat(lsns(all)).containsExactly(1L, 2L, 3L);
            assertThat(all.get(2).bytes()).isEqualTo(record(33, 200));
        }
    }

    @Test
    void damageInsideASealedSegmentIsCorruptionNamingFileAndOffset() throws IOException {
        List<WalPosition> p = appendAndAbandon(SyncMode.NONE, 100, 2000);
        assertThat(p.get(99).segment()).isGreaterThan(1);
        WalPosition victim = p.get(10);
        flipByte(segment(victim.segment()), victim.offset() + 40);
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            assertThatThrownBy(() -> replayAll(log)).isInstanceOfSatisfying(CorruptionException.class, e -> {
                assertThat(e.file()).isEqualTo(segment(victim.segment()));
                assertThat(e.offset()).isEqualTo(victim.offset());
                assertThat(e.getMessage()).contains("checksum");
            });
        }
    }

    @Test
    void damagedHeaderOfASealedSegmentIsCorruption() throws IOException {
        appendAndAbandon(SyncMode.NONE, 100, 2000);
        flipByte(segment(1), 17);
        assertThatThrownBy(() -> WriteAheadLog.open(dir, small(SyncMode.NONE)))
                .isInstanceOfSatisfying(CorruptionException.class, e -> assertThat(e.file()).isEqualTo(segment(1)));
    }

    @Test
    void damageBeforeTheKnownForcedOffsetOfTheActiveSegmentIsCorruption() throws IOException {
        // In SYNC mode each record is forced before the next is written, so record 3 says record 2 was forced.
        List<WalPosition> p = appendAndAbandon(SyncMode.SYNC, 3, 100);
        flipByte(segment(1), p.get(1).offset() + 50);
        assertThatThrownBy(() -> WriteAheadLog.open(dir, small(SyncMode.SYNC)))
                .isInstanceOfSatisfying(CorruptionException.class, e -> {
                    assertThat(e.file()).isEqualTo(segment(1));
                    assertThat(e.offset()).isEqualTo(p.get(1).offset());
                    assertThat(e.getMessage()).contains("forced");
                });
    }

    @Test
    void damageBeforeACleanCloseMarkerIsCorruption() throws IOException {
        // NONE mode: no record claims another forced; only the clean-close marker does.
        List<WalPosition> p = new ArrayList<>();
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            for (int i = 1; i <= 3; i++) {
                p.add(log.appendWithPosition(record(i, 100)));
            }
        }
        flipByte(segment(1), p.get(2).offset() + 60);
        assertThatThrownBy(() -> WriteAheadLog.open(dir, small(SyncMode.NONE)))
                .isInstanceOfSatisfying(CorruptionException.class, e -> {
                    assertThat(e.offset()).isEqualTo(p.get(2).offset());
                    assertThat(e.getMessage()).contains("clean-close marker");
                });
    }

    @Test
    void damageToUnforcedRecordsIsATornTail() throws IOException {
        // NONE mode without close: nothing claims records 2 and 3 forced, so their damage is a torn tail.
        List<WalPosition> p = appendAndAbandon(SyncMode.NONE, 3, 100);
        flipByte(segment(1), p.get(1).offset() + 50);
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            assertThat(lsns(replayAll(log))).containsExactly(1L);
        }
    }

    @Test
    void aCleanlyClosedLogReopensAndKeepsAppendingAfterItsMarker() {
        for (int run = 0; run < 5; run++) {
            try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
                log.append(record(run + 1, 100));
            }
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            assertThat(lsns(replayAll(log))).containsExactly(1L, 2L, 3L, 4L, 5L);
        }
    }

    @Test
    void aDamagedHeaderOfALastSegmentHoldingRecordsIsCorruption() throws IOException {
        appendAndAbandon(SyncMode.SYNC, 60, 2000);
        List<Path> files = segmentFiles(dir);
        Path newest = files.get(files.size() - 1);
        overwrite(newest, 0, new byte[WalFormat.HEADER_SIZE]);
        assertThatThrownBy(() -> WriteAheadLog.open(dir, small(SyncMode.SYNC)))
                .isInstanceOfSatisfying(CorruptionException.class, e -> assertThat(e.file()).isEqualTo(newest));
    }

    /** Fills two segments, then removes the second, as if the crash came right after sealing the first. */
    private long sealedLastSegment() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            while (segmentFiles(dir).size() < 2) {
                log.append(record(log.lastLsn() + 1, 3000));
            }
        }
        Path second = segmentFiles(dir).get(1);
        Files.delete(second);
        return WalFormat.parseFileName(second.getFileName().toString());
    }

    @Test
    void aSealedLastSegmentGetsItsSuccessorOnOpen() throws IOException {
        long next = sealedLastSegment();
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(log.lastLsn()).isEqualTo(next - 1);
            assertThat(segmentFiles(dir)).hasSize(2);
            assertThat(log.append(record(next, 10))).isEqualTo(next);
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(lsns(replayAll(log))).endsWith(next - 1, next);
        }
    }

    @Test
    void aHalfCreatedLastSegmentIsDiscardedAndCreatedAgain() throws IOException {
        long next = sealedLastSegment();
        for (boolean closeFirst : new boolean[]{false, true}) {
            WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC));
            if (closeFirst) {
                log.close(); // leaves only a clean-close marker in the empty segment
            }
            Path newest = segment(next);
            assertThat(newest).exists();
            overwrite(newest, 0, new byte[WalFormat.HEADER_SIZE]);
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(log.lastLsn()).isEqualTo(next - 1);
            assertThat(log.append(record(next, 10))).isEqualTo(next);
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(lsns(replayAll(log))).endsWith(next - 1, next);
        }
    }

    @Test
    void aPreallocatedSegmentCutShortAfterItsRecordsIsCorruptionNotAShorterLog() throws IOException {
        // A cleanly closed log: every record forced and covered by the clean-close marker. Cutting the last segment
        // removes the marker too; only the preallocated size in its header tells the cut from a torn tail.
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            for (int i = 1; i <= 10; i++) {
                log.append(record(i, 100));
            }
        }
        Path last = segment(1);
        long cut = WalFormat.HEADER_SIZE + 5L * (WalFormat.FRAME_HEADER_SIZE + 100) + 10;
        try (var ch = java.nio.channels.FileChannel.open(last, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(cut);
        }
        assertThatThrownBy(() -> WriteAheadLog.open(dir, small(SyncMode.SYNC)))
                .isInstanceOfSatisfying(CorruptionException.class, e -> {
                    assertThat(e.file()).isEqualTo(last);
                    assertThat(e.offset()).isEqualTo(cut);
                }).hasMessageContaining("cut short");
    }

    @Test
    void aSealedSegmentCutShortIsCorruptionAtOpen() throws IOException {
        appendAndAbandon(SyncMode.NONE, 100, 2000);
        List<Path> files = segmentFiles(dir);
        try (var ch = java.nio.channels.FileChannel.open(files.get(1), java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(WalOptions.MIN_SEGMENT_BYTES - 4096);
        }
        assertThatThrownBy(() -> WriteAheadLog.open(dir, small(SyncMode.NONE)))
                .isInstanceOfSatisfying(CorruptionException.class, e -> assertThat(e.file()).isEqualTo(files.get(1)))
                .hasMessageContaining("cut short");
    }

    @Test
    void aPreallocationCutShortBeforeAnyRecordIsAnInterruptedCreation() throws IOException {
        long next = sealedLastSegment();
        WriteAheadLog.open(dir, small(SyncMode.SYNC)).close();
        Path newest = segment(next);
        // As if the crash came during the zero-fill, before its force: a valid header, a short file, no record.
        try (var ch = java.nio.channels.FileChannel.open(newest, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(WalFormat.HEADER_SIZE + 1000);
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(log.lastLsn()).isEqualTo(next - 1);
            assertThat(log.append(record(next, 10))).isEqualTo(next);
        }
        assertThat(Files.size(newest)).isEqualTo(WalOptions.MIN_SEGMENT_BYTES);
    }

    @Test
    void aMissingMiddleSegmentIsCorruption() throws IOException {
        appendAndAbandon(SyncMode.NONE, 100, 2000);
        List<Path> files = segmentFiles(dir);
        assertThat(files).hasSizeGreaterThan(3);
        Files.delete(files.get(1));
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            assertThatThrownBy(() -> replayAll(log)).isInstanceOfSatisfying(CorruptionException.class,
                    e -> assertThat(e.file()).isEqualTo(files.get(2)));
        }
    }

    @Test
    void aSegmentFromANewerFormatVersionIsRejectedClearly() throws IOException {
        appendAndAbandon(SyncMode.SYNC, 1, 10);
        ByteBuffer header = FrameCodec.header(1).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(WalFormat.HEADER_VERSION, WalFormat.VERSION + 1);
        header.putInt(WalFormat.HEADER_CRC, FrameCodec.crc(header.array(), 0, WalFormat.HEADER_CRC));
        overwrite(segment(1), 0, header.array());
        assertThatThrownBy(() -> WriteAheadLog.open(dir, small(SyncMode.SYNC)))
                .isInstanceOf(StoreException.class).hasMessageContaining("newer DuraKV");
    }

    @Test
    void recoveryIsIdempotent() throws IOException {
        List<WalPosition> p = appendAndAbandon(SyncMode.NONE, 8, 300);
        overwrite(segment(1), p.get(5).offset() + 10, garbage(2000, 3));
        for (int i = 0; i < 3; i++) {
            WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE));
            assertThat(lsns(replayAll(log))).containsExactly(1L, 2L, 3L, 4L, 5L);
        }
    }
}
