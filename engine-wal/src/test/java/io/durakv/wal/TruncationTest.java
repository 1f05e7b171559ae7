package io.durakv.wal;

import io.durakv.api.SyncMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** truncateBefore deletes whole old segments only, and LSNs continue whatever it deleted. */
class TruncationTest {

    @TempDir
    Path dir;

    private long fill(WriteAheadLog log, int count) {
        long last = 0;
        for (int i = 0; i < count; i++) {
            last = log.append(record(log.lastLsn() + 1, 2000));
        }
        return last;
    }

    @Test
    void truncateBeforeDeletesOnlyWholeSegmentsBelowTheLsn() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.NONE))) {
            fill(log, 200);
            List<Path> before = segmentFiles(dir);
            assertThat(before).hasSizeGreaterThan(4);
            long secondStart = WalFormat.parseFileName(before.get(1).getFileName().toString());
            long thirdStart = WalFormat.parseFileName(before.get(2).getFileName().toString());

            log.truncateBefore(thirdStart - 1);
            assertThat(segmentFiles(dir)).isEqualTo(before.subList(1, before.size()));
            assertThat(log.firstLsn()).isEqualTo(secondStart);

            log.truncateBefore(thirdStart);
            assertThat(segmentFiles(dir)).isEqualTo(before.subList(2, before.size()));
            assertThat(log.firstLsn()).isEqualTo(thirdStart);
            assertThat(lsns(replayAll(log))).containsExactlyElementsOf(
                    LongStream.rangeClosed(thirdStart, 200).boxed().toList());
            assertThat(lsns(replayFrom(log, 1)).get(0)).isEqualTo(thirdStart);
        }
    }

    @Test
    void truncateBeforeNeverDeletesTheActiveSegment() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            fill(log, 100);
            log.truncateBefore(log.lastLsn() + 1);
            assertThat(segmentFiles(dir)).hasSize(1);
            assertThat(log.append(record(101, 10))).isEqualTo(101);
            assertThat(lsns(replayAll(log))).contains(101L);
        }
    }

    @Test
    void lsnsContinueAfterRestartWhenEverySealedSegmentWasTruncated() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            fill(log, 100);
            log.truncateBefore(101);
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(log.lastLsn()).isEqualTo(100);
            assertThat(log.firstLsn()).isLessThanOrEqualTo(101);
            assertThat(log.append(record(101, 10))).isEqualTo(101);
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            assertThat(lsns(replayAll(log))).endsWith(101L);
        }
    }

    @Test
    void lsnsContinueWhenTheOnlySegmentLeftIsEmpty() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            // Exactly fill segments so that the last append rotates into a fresh, empty segment.
            while (segmentFiles(dir).size() < 3) {
                log.append(record(log.lastLsn() + 1, 5000));
            }
            long last = log.lastLsn();
            log.truncateBefore(last + 1);
        }
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            long last = log.lastLsn();
            assertThat(log.append(record(last + 1, 10))).isEqualTo(last + 1);
            assertThat(lsns(replayAll(log))).endsWith(last + 1);
        }
    }

    @Test
    void truncateBeforeRejectsLsnsNotYetAppended() {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC))) {
            fill(log, 3);
            assertThatThrownBy(() -> log.truncateBefore(5)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> log.truncateBefore(-1)).isInstanceOf(IllegalArgumentException.class);
            log.truncateBefore(4);
            log.truncateBefore(0);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void aFailedRemovalOfASegmentFailsThatTruncationOnlyAndALaterOneFinishesTheWork(boolean preallocate) {
        // With preallocation truncation renames segments for recycling (until two wait), then deletes; without,
        // it deletes. Fail each such call in turn.
        io.durakv.api.io.DiskOp rename = io.durakv.api.io.DiskOp.RENAME;
        io.durakv.api.io.DiskOp delete = io.durakv.api.io.DiskOp.DELETE;
        List<io.durakv.api.io.DiskOp> ops = preallocate ? List.of(rename, rename, delete, delete)
                : List.of(delete, delete, delete);
        for (int k = 0; k < ops.size(); k++) {
            io.durakv.api.io.DiskOp op = ops.get(k);
            int n = (int) ops.subList(0, k + 1).stream().filter(o -> o == op).count();
            io.durakv.api.io.SimulatedDisk disk = new io.durakv.api.io.SimulatedDisk();
            WalOptions options = small(SyncMode.SYNC, disk).preallocate(preallocate).build();
            Path root = Path.of("/wal");
            WriteAheadLog log = WriteAheadLog.open(root, options);
            for (long i = 1; i <= 100; i++) {
                log.append(record(i, 3000));
            }
            disk.inject(io.durakv.api.io.FaultRule.nthCall(op, "wal-", n));
            assertThatThrownBy(() -> log.truncateBefore(90)).as("%s call %d", op, n)
                    .isInstanceOf(io.durakv.api.StoreException.class).hasMessageContaining("stays until a later");
            assertThat(log.isFailed()).as("a failed removal changed nothing: the log goes on").isFalse();
            long kept = log.firstLsn();
            assertThat(kept).as("the segment whose removal failed is still there").isLessThan(90);
            assertThat(lsns(replayAll(log))).containsExactlyElementsOf(
                    LongStream.rangeClosed(kept, 100).boxed().toList());
            disk.clearFaults();
            assertThat(log.append(record(101, 10))).isEqualTo(101);
            log.truncateBefore(90);
            long first = log.firstLsn();
            assertThat(first).as("the retried truncation removed the rest").isGreaterThan(kept)
                    .isLessThanOrEqualTo(90);
            log.close();
            for (long seed = 0; seed < 3; seed++) {
                try (WriteAheadLog again = WriteAheadLog.open(root,
                        small(SyncMode.SYNC, disk.crash(seed)).preallocate(preallocate).build())) {
                    List<Entry> all = replayAll(again);
                    assertThat(again.lastLsn()).isEqualTo(101);
                    assertThat(lsns(all)).containsExactlyElementsOf(
                            LongStream.rangeClosed(again.firstLsn(), 101).boxed().toList());
                    assertThat(again.firstLsn()).isLessThanOrEqualTo(90);
                    for (Entry e : all) {
                        assertThat(e.bytes()).isEqualTo(record(e.lsn(), e.lsn() == 101 ? 10 : 3000));
                    }
                }
            }
        }
    }
}
