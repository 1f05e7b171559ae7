package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of the mapped writes: a segment is written through a mapping of exactly its file when the file's size equals
 * the segment size. A segment a crash left without preallocation, whose records end at its very end, reopened with the
 * segment size set to that file size, is such a file, yet its end marker does not fit inside the file: rotation must
 * still seal it (past the file's end, as writes through the file handle do) rather than fail the log, and every open
 * after that would fail it again.
 */
class WalMappedReopenReviewTest {

    @ParameterizedTest
    @EnumSource(value = SyncMode.class, names = {"BATCH", "NONE"})
    void aSegmentWhoseRecordsEndAtItsFileSizeIsSealedWhenTheSegmentSizeBecomesThatSize(SyncMode mode)
            throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Path dir = Path.of("/wal");
        WalOptions grown = WalOptions.builder().disk(disk).syncMode(mode).segmentBytes(1L << 20).preallocate(false)
                .build();
        List<byte[]> acked = new ArrayList<>();
        WriteAheadLog log = WriteAheadLog.open(dir, grown);
        for (int i = 1; i <= 100; i++) {
            byte[] r = record(i, 1000);
            log.append(r);
            acked.add(r);
        }
        log.sync();
        // Power loss: the forced records stay, the file ends right after the last one (no clean-close marker).
        SimulatedDisk crashed = disk.crash(7);
        Path active = dir.resolve(WalFormat.fileName(1));
        long size = crashed.content(active).length;
        assertThat(size).isGreaterThanOrEqualTo(WalOptions.MIN_SEGMENT_BYTES);

        WalOptions sized = WalOptions.builder().disk(crashed).syncMode(mode).segmentBytes(size).build();
        try (WriteAheadLog again = WriteAheadLog.open(dir, sized)) {
            for (int i = 101; i <= 300; i++) {
                byte[] r = record(i, 1000);
                assertThat(again.append(r)).isEqualTo(i);
                acked.add(r);
            }
            assertThat(again.isFailed()).isFalse();
            assertThat(again.segmentStarts().length).as("the segment rotated").isGreaterThan(1);
        }
        try (WriteAheadLog third = WriteAheadLog.open(dir, sized)) {
            List<Entry> back = replayAll(third);
            assertThat(lsns(back)).hasSize(300);
            for (Entry e : back) {
                assertThat(e.bytes()).isEqualTo(acked.get((int) e.lsn() - 1));
            }
        }
    }
}
