package io.durakv.wal;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A cleanly closed log whose last segment is cut short: every record was forced and covered by the clean-close
 * marker, so losing them is damage to durable data (durability-contract.md, promise 3), yet recovery sees a valid
 * prefix followed by the end of the file and drops the rest as an unforced tail. Found by {@link WalCorruptionTest}
 * (seed 8162148264969818581: TRUNCATE at 1% of {@code wal-00000000000000000612.log}).
 *
 * <p>With preallocation the active segment of a log that holds records always has {@code segmentBytes} bytes (step 6
 * of the rotation protocol forces the size before any record is written), so a shorter last segment holding records
 * is evidence of truncation: the header records that preallocated size, and recovery reports the cut.
 */
class WalTruncationTest {

    @Test

    void truncatedLastSegmentOfACleanlyClosedLogIsCorruptionNotASilentlyShorterLog() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Path dir = Path.of("/wal");
        WalOptions options = WalOptions.builder().disk(disk).segmentBytes(WalOptions.MIN_SEGMENT_BYTES).build();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            for (int i = 0; i < 20; i++) {
                wal.append(new byte[100]);
            }
        }
        Path segment = dir.resolve(WalFormat.fileName(1));
        try (DiskFile f = disk.open(segment, OpenMode.READ_WRITE)) {
            f.truncate(WalFormat.HEADER_SIZE + 5L * (WalFormat.FRAME_HEADER_SIZE + 100) + 10);
            f.force(true);
        }
        assertThatThrownBy(() -> {
            List<Long> lsns = new ArrayList<>();
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                wal.replay(1, (lsn, r) -> lsns.add(lsn));
            }
            assertThat(lsns).as("records recovered from the cut log").hasSize(20);
        }).isInstanceOf(CorruptionException.class);
    }
}
