package io.durakv.wal;

import io.durakv.api.StoreClosedException;
import io.durakv.api.SyncMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The basic promises of the log: order, LSNs, replay, limits, close. */
class WriteAheadLogTest {

    @TempDir
    Path dir;

    @Test
    void emptyLogHasLastLsnZeroAndFirstAppendGetsLsnOne() {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(log.lastLsn()).isZero();
            assertThat(log.firstLsn()).isEqualTo(1);
            assertThat(replayAll(log)).isEmpty();
            assertThat(log.append(new byte[]{42})).isEqualTo(1);
            assertThat(log.lastLsn()).isEqualTo(1);
        }
    }

    @Test
    void recordsReplayInLsnOrderAcrossRestartsAndRotations() throws IOException {
        List<byte[]> written = new ArrayList<>();
        for (int run = 0; run < 4; run++) {
            try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
                for (int i = 0; i < 50; i++) {
                    byte[] r = record(written.size() + 1, 100 + (i * 97) % 3000);
                    assertThat(log.append(r)).isEqualTo(written.size() + 1);
                    written.add(r);
                }
            }
        }
        assertThat(segmentFiles(dir)).hasSizeGreaterThan(3);
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            List<Entry> all = replayAll(log);
            assertThat(lsns(all)).containsExactlyElementsOf(LongStream.rangeClosed(1, written.size()).boxed().toList());
            for (int i = 0; i < written.size(); i++) {
                assertThat(all.get(i).bytes()).isEqualTo(written.get(i));
            }
        }
    }

    @Test
    void lsnsStayGapFreeAcrossRestartsWithoutAppends() {
        for (int run = 0; run < 3; run++) {
            try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
                assertThat(log.lastLsn()).isEqualTo(run * 2L);
                log.append(record(1, 10));
                log.append(record(2, 10));
            }
            try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
                assertThat(log.lastLsn()).isEqualTo(run * 2L + 2);
            }
        }
    }

    @Test
    void segmentFilesAreNamedByTheirFirstLsn() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            for (int i = 1; i <= 100; i++) {
                log.append(record(i, 2000));
            }
        }
        List<Path> files = segmentFiles(dir);
        assertThat(files.get(0).getFileName().toString()).isEqualTo("wal-00000000000000000001.log");
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            List<Entry> all = replayAll(log);
            for (Path f : files) {
                long first = WalFormat.parseFileName(f.getFileName().toString());
                assertThat(first).isBetween(1L, 101L);
                assertThat(Files.size(f)).isEqualTo(SMALL_SEGMENT);
            }
            assertThat(all).hasSize(100);
        }
    }

    @Test
    void replayFromAnLsnDeliversThatRecordAndLaterOnes() {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            for (int i = 1; i <= 120; i++) {
                log.append(record(i, 1500));
            }
            assertThat(lsns(replayFrom(log, 57))).containsExactlyElementsOf(
                    LongStream.rangeClosed(57, 120).boxed().toList());
            assertThat(lsns(replayFrom(log, 120))).containsExactly(120L);
            assertThat(replayFrom(log, 121)).isEmpty();
            assertThatThrownBy(() -> replayFrom(log, 122)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> replayFrom(log, -1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void replayWorksWhileOtherThreadsAppend() throws Exception {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            for (int i = 1; i <= 50; i++) {
                log.append(record(i, 1000));
            }
            Thread writer = new Thread(() -> {
                for (int i = 51; i <= 300; i++) {
                    log.append(record(i, 1000));
                }
            });
            writer.start();
            for (int k = 0; k < 20; k++) {
                List<Entry> seen = replayAll(log);
                assertThat(seen.size()).isGreaterThanOrEqualTo(50);
                for (int i = 0; i < seen.size(); i++) {
                    assertThat(seen.get(i).lsn()).isEqualTo(i + 1);
                    assertThat(seen.get(i).bytes()).isEqualTo(record(i + 1, 1000));
                }
            }
            writer.join();
            assertThat(replayAll(log)).hasSize(300);
        }
    }

    @Test
    void oversizeRecordIsRejectedBeforeAnythingIsWritten() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            log.append(record(1, 10));
            byte[] before = Files.readAllBytes(segmentFiles(dir).get(0));
            assertThatThrownBy(() -> log.append(new byte[log.maxRecordBytes() + 1]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("larger than the maximum");
            assertThatThrownBy(() -> log.append(null)).isInstanceOf(IllegalArgumentException.class);
            assertThat(Files.readAllBytes(segmentFiles(dir).get(0))).isEqualTo(before);
            assertThat(segmentFiles(dir)).hasSize(1);
            assertThat(log.lastLsn()).isEqualTo(1);
            assertThat(log.append(record(2, 10))).isEqualTo(2);
        }
    }

    @Test
    void aRecordOfTheMaximumSizeFitsInANewSegment() {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            log.append(record(1, 100));
            byte[] big = record(2, log.maxRecordBytes());
            assertThat(log.append(big)).isEqualTo(2);
            assertThat(log.append(record(3, 100))).isEqualTo(3);
            assertThat(replayAll(log).get(1).bytes()).isEqualTo(big);
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(lsns(replayAll(log))).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void emptyRecordsAreRecords() {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            log.append(new byte[0]);
            log.append(new byte[0]);
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(replayAll(log)).extracting(e -> e.bytes().length).containsExactly(0, 0);
        }
    }

    @Test
    void appendCopiesTheCallersArrayBeforeReturning() {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            byte[] r = {1, 2, 3};
            log.append(r);
            r[0] = 9;
            assertThat(replayAll(log).get(0).bytes()).containsExactly(1, 2, 3);
        }
    }

    @Test
    void aRecordReadsBackByItsPosition() {
        List<WalPosition> positions = new ArrayList<>();
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            for (int i = 1; i <= 80; i++) {
                positions.add(log.appendWithPosition(record(i, 2500)));
            }
            assertThat(positions.get(79).segment()).isGreaterThan(1);
            assertThat(log.readAt(positions.get(40))).isEqualTo(record(41, 2500));
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            for (int i = 0; i < positions.size(); i++) {
                assertThat(positions.get(i).lsn()).isEqualTo(i + 1);
                assertThat(log.readAt(positions.get(i))).isEqualTo(record(i + 1, 2500));
            }
            assertThatThrownBy(() -> log.readAt(new WalPosition(81, 1, 32)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** The expected frame size only sizes the first read call: any guess reads the same record. */
    @Test
    void aReadWithAnExpectedFrameSizeReadsTheSameRecordForAnyGuess() {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            List<WalPosition> positions = new ArrayList<>();
            for (int i = 1; i <= 40; i++) {
                positions.add(log.appendWithPosition(record(i, i % 5 == 0 ? 6000 : 30 + i)));
            }
            for (int i = 0; i < positions.size(); i++) {
                byte[] expected = record(i + 1, (i + 1) % 5 == 0 ? 6000 : 31 + i);
                int exact = WriteAheadLog.frameBytes(expected.length);
                for (int guess : new int[]{-1, 0, exact - 1, exact, exact + 100, 1 << 20}) {
                    assertThat(log.readAt(positions.get(i), guess)).as("record %d, guess %d", i + 1, guess)
                            .isEqualTo(expected);
                }
            }
        }
    }

    /**
     * A read handle remembers the segment's size; without preallocation the active segment grows after the handle
     * opened, and a record written since then must still read back (the handle looks at the size again), in every
     * order of reads and writes, small records and records larger than the read window.
     */
    @Test
    void recordsAppendedAfterAReadStillReadBackFromAGrowingSegment() {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE, io.durakv.api.io.LocalDisk.INSTANCE)
                .preallocate(false).build())) {
            List<WalPosition> positions = new ArrayList<>();
            for (int i = 1; i <= 60; i++) {
                int size = i % 7 == 0 ? 9000 : 40 + i;
                positions.add(log.appendWithPosition(record(i, size)));
                for (int j = Math.max(0, i - 3); j < i; j++) {
                    int sj = (j + 1) % 7 == 0 ? 9000 : 41 + j;
                    assertThat(log.readAt(positions.get(j))).as("record %d after %d appends", j + 1, i)
                            .isEqualTo(record(j + 1, sj));
                }
            }
            assertThat(positions.get(59).segment()).as("the log rotated").isGreaterThan(1);
        }
    }

    /**
     * Several readers read the newest records of a growing segment while they are appended: each reader that finds a
     * frame past the size it trusted asks for the size again, whatever another reader did to the shared handle
     * meanwhile.
     */
    @Test
    void concurrentReadersOfTheNewestRecordsOfAGrowingSegmentAllSucceed() throws Exception {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE, io.durakv.api.io.LocalDisk.INSTANCE)
                .preallocate(false).build())) {
            int n = 20_000;
            java.util.concurrent.atomic.AtomicReferenceArray<WalPosition> positions =
                    new java.util.concurrent.atomic.AtomicReferenceArray<>(n);
            java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                    new java.util.concurrent.atomic.AtomicReference<>();
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread reader = new Thread(() -> {
                    try {
                        while (written.get() < n && failure.get() == null) {
                            int last = written.get();
                            if (last == 0) {
                                continue;
                            }
                            WalPosition p = positions.get(last - 1);
                            assertThat(log.readAt(p)).isEqualTo(record(p.lsn(), 60));
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                readers.add(reader);
                reader.start();
            }
            for (int i = 0; i < n && failure.get() == null; i++) {
                positions.set(i, log.appendWithPosition(record(i + 1, 60)));
                written.incrementAndGet();
            }
            written.set(n);
            for (Thread r : readers) {
                r.join();
            }
            assertThat(failure.get()).as("a reader failed").isNull();
        }
    }

    @Test
    void useAfterCloseThrowsStoreClosedException() {
        WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC));
        log.append(record(1, 10));
        log.close();
        assertThatThrownBy(() -> log.append(record(2, 10))).isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(log::sync).isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(() -> replayAll(log)).isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(() -> log.truncateBefore(1)).isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(log::lastLsn).isInstanceOf(StoreClosedException.class);
    }

    @Test
    void closeIsIdempotent() {
        WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.BATCH));
        log.append(record(1, 10));
        log.close();
        log.close();
        try (WriteAheadLog again = WriteAheadLog.open(dir, small(SyncMode.BATCH))) {
            assertThat(again.lastLsn()).isEqualTo(1);
        }
    }

    @Test
    void filesOtherThanSegmentsAreIgnored() throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("LOCK"), "x");
        Files.writeString(dir.resolve("wal-1.log"), "not a segment name");
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            log.append(record(1, 10));
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(lsns(replayAll(log))).containsExactly(1L);
        }
    }

    @Test
    void withoutPreallocationTheLogWorksTheSame() throws IOException {
        WalOptions options = small(SyncMode.SYNC, io.durakv.api.io.LocalDisk.INSTANCE).preallocate(false).build();
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            for (int i = 1; i <= 60; i++) {
                log.append(record(i, 3000));
            }
        }
        assertThat(Files.size(segmentFiles(dir).get(segmentFiles(dir).size() - 1))).isLessThan(SMALL_SEGMENT);
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            assertThat(replayAll(log)).hasSize(60);
            assertThat(log.append(record(61, 10))).isEqualTo(61);
        }
    }
}
