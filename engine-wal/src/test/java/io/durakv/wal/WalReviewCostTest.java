package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static io.durakv.wal.WalTesting.record;
import static org.assertj.core.api.Assertions.assertThat;

/** Review (wal-review): what a clean open costs (bytes read and written), counted, not timed. */
class WalReviewCostTest {

    private static final Path DIR = Path.of("/wal");
    private static final long SEGMENT = 16L << 20;

    static final class ByteCountingDisk extends ForwardingDisk {
        final AtomicLong read = new AtomicLong();
        final AtomicLong written = new AtomicLong();

        ByteCountingDisk(SimulatedDisk d) {
            super(d);
        }

        @Override
        protected DiskFile wrap(DiskFile file) {
            return new ForwardingFile(file) {
                @Override
                public int read(long position, ByteBuffer dst) throws IOException {
                    int n = super.read(position, dst);
                    read.addAndGet(Math.max(0, n));
                    return n;
                }

                @Override
                public void write(long position, ByteBuffer src) throws IOException {
                    written.addAndGet(src.remaining());
                    super.write(position, src);
                }
            };
        }
    }

    private static WalOptions options(SimulatedDisk sim, ByteCountingDisk disk) {
        return WalOptions.builder().syncMode(SyncMode.SYNC).segmentBytes(SEGMENT).disk(disk).build();
    }

    /**
     * A cleanly closed log whose active (non-recycled, preallocated) segment holds a few records: the clean-close
     * marker ends the log, yet recovery reads the whole preallocated remainder (lastNonZeroByte scans back from the
     * end of the file). With the default 64 MiB segments every clean open reads 64 MiB.
     */
    @Test
    void aCleanOpenDoesNotReadTheWholePreallocatedSegment() {
        SimulatedDisk sim = new SimulatedDisk();
        ByteCountingDisk disk = new ByteCountingDisk(sim);
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(sim, disk))) {
            for (int i = 1; i <= 10; i++) {
                log.append(record(i, 100));
            }
        }
        disk.read.set(0);
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(sim, disk))) {
            assertThat(log.lastLsn()).isEqualTo(10);
        }
        assertThat(disk.read.get()).as("bytes read by a clean open of a log holding 10 small records, "
                + "segment " + SEGMENT + " bytes").isLessThan(SEGMENT / 4);
    }

    /**
     * A cleanly closed log whose active segment is recycled: every clean open seals it and rotates. With an empty
     * pool the new segment is zero-filled: a clean open writes a whole segment.
     */
    @Test
    void aCleanOpenOfARecycledActiveSegmentDoesNotWriteAWholeSegment() throws IOException {
        SimulatedDisk sim = new SimulatedDisk();
        ByteCountingDisk disk = new ByteCountingDisk(sim);
        int size = 1 << 20;
        long lsn = 0;
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(sim, disk))) {
            while (log.lastLsn() < 50) {
                lsn = log.append(record(lsn + 1, size));
            }
            log.truncateBefore(lsn + 1);
            // Rotates into both pool files, and stops in the second.
            int rotations = 0;
            while (rotations < 2) {
                WalPosition p = log.appendWithPosition(record(lsn + 1, size));
                lsn = p.lsn();
                if (p.segment() == lsn) {
                    rotations++;
                }
            }
            assertThat(ByteBuffer.wrap(sim.content(DIR.resolve(WalFormat.fileName(lsn))))
                    .order(WalFormat.ORDER).getInt(WalFormat.HEADER_FLAGS)).isEqualTo(WalFormat.FLAG_RECYCLED);
        }
        disk.written.set(0);
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(sim, disk))) {
            assertThat(log.lastLsn()).isEqualTo(lsn);
        }
        assertThat(disk.written.get()).as("bytes written by a clean open (segment " + SEGMENT + " bytes)")
                .isLessThan(SEGMENT / 4);
    }
}
