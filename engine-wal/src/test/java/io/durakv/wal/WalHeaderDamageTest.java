package io.durakv.wal;

import io.durakv.api.CorruptionException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Zeros over the header and the first byte of the first frame of the last segment of a cleanly closed log (found by
 * {@link WalCorruptionTest}: {@code ZEROS} of 33 bytes at offset 0 of {@code wal-00000000000000000510.log}). Recovery
 * (WalRecovery.discardHalfCreated) sees an invalid header, looks for records only by reading frames in sequence from
 * offset 32, stops at the damaged first frame, concludes the segment "never held a record" — its predecessor is sealed
 * naming it, as after an interrupted creation — and deletes it: every record in it is lost without a
 * {@code CorruptionException}. A creation writes and forces the header and the zeros before any record, so any valid
 * frame of the segment anywhere after the header (as {@code SegmentReader.findForcedClaimBeyond} searches), or any
 * non-zero byte after the header in a preallocated segment, proves it held records. Disabled until WalRecovery (owned
 * by the WAL's maintainer) is fixed; see docs/reliability.md, "Known gaps".
 */
class WalHeaderDamageTest {

    private final SimulatedDisk disk = new SimulatedDisk();
    private final Path dir = Path.of("/wal");
    private final WalOptions options = WalTesting.small(SyncMode.SYNC, disk).build();

    /** Writes 60 records of 3000 bytes (several segments), closes, zeroes the first bytes of the last segment. */
    private Path closedLogWithZerosAtTheStartOfItsLastSegment(int zeros) throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            for (int i = 1; i <= 60; i++) {
                wal.append(WalTesting.record(i, 3000));
            }
        }
        List<String> segments = new ArrayList<>(disk.list(dir));
        segments.removeIf(n -> WalFormat.parseFileName(n) < 0);
        assertThat(segments).hasSizeGreaterThan(1);
        Path last = dir.resolve(segments.get(segments.size() - 1));
        try (DiskFile f = disk.open(last, OpenMode.READ_WRITE)) {
            f.write(0, ByteBuffer.allocate(zeros));
            f.force(true);
        }
        return last;
    }

    @Test
    @Disabled("known WAL gap: a last segment with a damaged header and first frame is deleted as half-created")
    void lastSegmentWithDamagedHeaderAndFirstFrameIsCorruptionNotDeleted() throws Exception {
        Path last = closedLogWithZerosAtTheStartOfItsLastSegment(WalFormat.HEADER_SIZE + 1);
        assertThatThrownBy(() -> {
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                assertThat(wal.lastLsn()).as("records recovered").isEqualTo(60);
            }
        }).isInstanceOf(CorruptionException.class);
    }

    /** The same damage to the header alone is caught today: the first frame still proves the segment held records. */
    @Test
    void lastSegmentWithDamagedHeaderAloneIsCorruption() throws Exception {
        Path last = closedLogWithZerosAtTheStartOfItsLastSegment(WalFormat.HEADER_SIZE);
        assertThatThrownBy(() -> WriteAheadLog.open(dir, options).close()).isInstanceOf(CorruptionException.class)
                .hasMessageContaining(last.toString());
    }
}
