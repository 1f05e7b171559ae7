package io.durakv.wal;

import io.durakv.api.CorruptionException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Segment recycling: truncation keeps up to two segment files for reuse, rotation reuses them without zero-filling,
 * and recovery never mistakes their stale frames for records, never appends to a recycled segment after a restart,
 * and still tells damage to forced bytes from an unforced tail.
 */
class RecyclingTest {

    private static final int RECORD = 3000;

    @TempDir
    Path dir;

    @Test
    void truncatedSegmentsWaitForReuseAndRotationTakesThemWithoutZeroFilling() throws IOException {
        CountingDisk disk = new CountingDisk(LocalDisk.INSTANCE);
        WalOptions options = small(SyncMode.NONE, disk).build();
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            appendRange(log, 1, 100);
            assertThat(segmentFiles(dir)).hasSizeGreaterThan(4);
            log.truncateBefore(log.lastLsn() + 1);
            assertThat(recycleFiles()).hasSize(SegmentPool.MAX_FILES);
            assertThat(segmentFiles(dir)).hasSize(1);

            long writesBefore = disk.writes.get();
            List<Path> before = segmentFiles(dir);
            long lsn = log.lastLsn();
            // Appends up to and through one rotation.
            while (segmentFiles(dir).size() == before.size()) {
                log.append(record(++lsn, RECORD));
            }
            // A fresh 64 KiB segment would take the header plus a 1 MiB zero-fill chunk; a recycled one takes only
            // its header (and the records, one write each in NONE mode, and the old segment's end marker).
            long appended = lsn - 100;
            assertThat(disk.writes.get() - writesBefore).isLessThanOrEqualTo(appended + 3);
            assertThat(recycleFiles()).hasSize(SegmentPool.MAX_FILES - 1);
            Path newest = segmentFiles(dir).get(segmentFiles(dir).size() - 1);
            assertThat(headerFlags(newest)).isEqualTo(WalFormat.FLAG_RECYCLED);
            assertThat(Files.size(newest)).isEqualTo(options.segmentBytes());
            assertThat(lsns(replayAll(log))).containsExactlyElementsOf(
                    LongStream.rangeClosed(log.firstLsn(), lsn).boxed().toList());
        }
    }

    @Test
    void aRecycledActiveSegmentIsAppendedToAfterACleanReopenAndEveryRecordReplaysOnce() throws IOException {
        WalOptions options = small(SyncMode.SYNC, LocalDisk.INSTANCE).build();
        long last;
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            appendRange(log, 1, 60);
            log.truncateBefore(log.lastLsn() + 1);
            appendRange(log, 61, 75);
            last = log.lastLsn();
        }
        Path active = segmentFiles(dir).get(segmentFiles(dir).size() - 1);
        assertThat(headerFlags(active)).as("the active segment is recycled").isEqualTo(WalFormat.FLAG_RECYCLED);
        long first;
        for (int cycle = 0; cycle < 3; cycle++) {
            try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
                first = log.firstLsn();
                List<Entry> all = replayAll(log);
                assertThat(lsns(all)).containsExactlyElementsOf(LongStream.rangeClosed(first, last).boxed().toList());
                for (Entry e : all) {
                    assertThat(e.bytes()).isEqualTo(record(e.lsn(), RECORD));
                }
                // A clean reopen appends where the clean-close marker was, recycled segment or not: no new segment.
                Path newest = segmentFiles(dir).get(segmentFiles(dir).size() - 1);
                assertThat(newest).as("cycle %d", cycle).isEqualTo(active);
                appendRange(log, last + 1, last + 5);
                last += 5;
                active = segmentFiles(dir).get(segmentFiles(dir).size() - 1);
                log.truncateBefore(last - 2);
            }
        }
    }

    @Test
    void damageToAForcedRecordOfARecycledActiveSegmentIsCorruption() throws IOException {
        WalOptions options = small(SyncMode.SYNC, LocalDisk.INSTANCE).build();
        List<Entry> entries;
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            appendRange(log, 1, 60);
            log.truncateBefore(log.lastLsn() + 1);
            appendRange(log, 61, 70);
            entries = replayAll(log);
        }
        Path active = segmentFiles(dir).get(segmentFiles(dir).size() - 1);
        assertThat(headerFlags(active)).isEqualTo(WalFormat.FLAG_RECYCLED);
        // The second record of the active segment: forced (SYNC), followed by forced records and the clean close.
        long offset = WalFormat.HEADER_SIZE + WalFormat.FRAME_HEADER_SIZE + RECORD + WalFormat.FRAME_HEADER_SIZE + 7;
        flipByte(active, offset);
        assertThatThrownBy(() -> WriteAheadLog.open(dir, options)).isInstanceOf(CorruptionException.class)
                .hasMessageContaining(active.getFileName().toString());
        assertThat(entries).isNotEmpty();
    }

    @Test
    void crashesInsideRecycledSegmentsKeepEveryForcedRecordAndReviveNothing() {
        for (long seed = 0; seed < 40; seed++) {
            SimulatedDisk disk = new SimulatedDisk();
            WalOptions options = small(SyncMode.NONE, disk).build();
            Path root = Path.of("/wal");
            long synced;
            long appended;
            try (WriteAheadLog log = WriteAheadLog.open(root, options)) {
                appendRange(log, 1, 60);
                log.truncateBefore(log.lastLsn() + 1);
                appendRange(log, 61, 64);
                log.sync();
                synced = 64;
                appendRange(log, 65, 64 + seed % 7);
                appended = 64 + seed % 7;
                SimulatedDisk image = disk.crash(seed);
                long recovered;
                try (WriteAheadLog again = WriteAheadLog.open(root, small(SyncMode.NONE, image).build())) {
                    List<Entry> all = replayAll(again);
                    recovered = again.lastLsn();
                    assertThat(recovered).as("seed %d", seed).isBetween(synced, appended);
                    assertThat(lsns(all)).containsExactlyElementsOf(
                            LongStream.rangeClosed(again.firstLsn(), recovered).boxed().toList());
                    for (Entry e : all) {
                        assertThat(e.bytes()).as("seed %d, LSN %d", seed, e.lsn()).isEqualTo(record(e.lsn(), RECORD));
                    }
                    // New records with other sizes after the recovered end: a dropped old frame must never be read
                    // back as one of them, even after another crash.
                    for (long i = recovered + 1; i <= recovered + 4; i++) {
                        assertThat(again.append(record(i, 100 + (int) i))).isEqualTo(i);
                    }
                    again.sync();
                }
                SimulatedDisk second = image.crash(seed + 1000);
                try (WriteAheadLog third = WriteAheadLog.open(root, small(SyncMode.NONE, second).build())) {
                    List<Entry> all = replayAll(third);
                    assertThat(third.lastLsn()).isEqualTo(recovered + 4);
                    for (Entry e : all) {
                        byte[] expected = e.lsn() > recovered ? record(e.lsn(), 100 + (int) e.lsn())
                                : record(e.lsn(), RECORD);
                        assertThat(e.bytes()).as("seed %d, LSN %d", seed, e.lsn()).isEqualTo(expected);
                    }
                }
            }
        }
    }

    @Test
    void recycledFilesOfAnotherSegmentSizeAreDeletedAtOpen() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE, LocalDisk.INSTANCE).build())) {
            appendRange(log, 1, 60);
            log.truncateBefore(log.lastLsn() + 1);
        }
        assertThat(recycleFiles()).isNotEmpty();
        WalOptions bigger = WalOptions.builder().syncMode(SyncMode.NONE).segmentBytes(2 * SMALL_SEGMENT).build();
        try (WriteAheadLog log = WriteAheadLog.open(dir, bigger)) {
            assertThat(recycleFiles()).isEmpty();
            assertThat(log.lastLsn()).isEqualTo(60);
            assertThat(lsns(replayAll(log))).endsWith(60L);
        }
    }

    @Test
    void readAtKeepsOneHandlePerSegmentAndNeverReadsARecycledFileUnderItsOldPosition() {
        SimulatedDisk disk = new SimulatedDisk();
        WalOptions options = small(SyncMode.NONE, disk).build();
        try (WriteAheadLog log = WriteAheadLog.open(Path.of("/wal"), options)) {
            List<WalPosition> positions = new java.util.ArrayList<>();
            for (long i = 1; i <= 60; i++) {
                positions.add(log.appendWithPosition(record(i, RECORD)));
            }
            long opensBefore = disk.calls(io.durakv.api.io.DiskOp.OPEN);
            for (int round = 0; round < 3; round++) {
                for (WalPosition p : positions) {
                    assertThat(log.readAt(p)).isEqualTo(record(p.lsn(), RECORD));
                }
            }
            long segments = positions.stream().map(WalPosition::segment).distinct().count();
            assertThat(disk.calls(io.durakv.api.io.DiskOp.OPEN) - opensBefore).as("opens for 180 reads")
                    .isEqualTo(segments);
            log.truncateBefore(61);
            // The truncated segments' files now wait for reuse, then hold new records: old positions are refused.
            for (long i = 61; i <= 120; i++) {
                log.append(record(i, RECORD));
            }
            WalPosition old = positions.get(0);
            assertThatThrownBy(() -> log.readAt(old)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not in the log");
        }
    }

    private static void appendRange(WriteAheadLog log, long from, long to) {
        for (long i = from; i <= to; i++) {
            assertThat(log.append(record(i, RECORD))).isEqualTo(i);
        }
    }

    private List<Path> recycleFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> WalFormat.isRecycleName(p.getFileName().toString())).toList();
        }
    }

    private static int headerFlags(Path segment) throws IOException {
        byte[] header = new byte[WalFormat.HEADER_SIZE];
        try (var in = Files.newInputStream(segment)) {
            assertThat(in.readNBytes(header, 0, header.length)).isEqualTo(header.length);
        }
        return ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt(WalFormat.HEADER_FLAGS);
    }
}
