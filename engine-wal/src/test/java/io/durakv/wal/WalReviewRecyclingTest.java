package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of segment recycling (wal-review): tries to make a stale frame of a recycled file come back as a record.
 */
class WalReviewRecyclingTest {

    private static final Path DIR = Path.of("/wal");
    private static final int BIG = 5000;
    private static final int SMALL = 100;

    /**
     * A recycled active segment whose own first record was lost in a crash, while a later record of the same run
     * survived (unforced pages survive or not independently), is "used from its header on, as if just created":
     * recovery neither seals it nor zeroes the surviving frames of that run, whose LSNs are those the next records
     * will get. When the next run writes record n with the same size, the old run's frame n+1 sits exactly where
     * frame n+1 is expected, and after a crash it is replayed as record n+1: a record that was never appended.
     */
    @Test
    void aDroppedFrameOfAnEmptyRecycledSegmentComesBackAsAPhantomRecord() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        WalOptions options = small(SyncMode.NONE, disk).build();
        WriteAheadLog log = WriteAheadLog.open(DIR, options);
        long lsn = 0;
        while (disk.list(DIR).stream().filter(n -> n.endsWith(".log")).count() < 4) {
            lsn = log.append(record(lsn + 1, 3000));
        }
        log.truncateBefore(lsn + 1);
        assertThat(disk.list(DIR).stream().filter(n -> n.endsWith(".recycle")).count()).isEqualTo(2);
        // Rotate into a recycled file: the record that does not fit becomes its first record, n.
        long segmentsBefore = disk.list(DIR).stream().filter(n -> n.endsWith(".log")).count();
        long n;
        do {
            n = log.append(record(lsn + 1, BIG));
            lsn = n;
        } while (disk.list(DIR).stream().filter(x -> x.endsWith(".log")).count() == segmentsBefore);
        Path active = DIR.resolve(WalFormat.fileName(n));
        assertThat(headerFlags(disk.content(active))).isEqualTo(WalFormat.FLAG_RECYCLED);
        byte[] oldNext = record(-7, SMALL); // run 1's record n+1
        assertThat(log.append(oldNext)).isEqualTo(n + 1);
        byte[] written = disk.content(active);
        int nextAt = WalFormat.HEADER_SIZE + WalFormat.FRAME_HEADER_SIZE + BIG;
        int nextEnd = nextAt + WalFormat.FRAME_HEADER_SIZE + SMALL;

        // A power loss that loses the page holding frame n but keeps the page holding frame n+1.
        SimulatedDisk image = null;
        for (long seed = 0; seed < 2000 && image == null; seed++) {
            SimulatedDisk candidate = disk.crash(seed);
            byte[] c = candidate.content(active);
            boolean frameNLost = !Arrays.equals(c, 32, 60, written, 32, 60);
            boolean nextKept = Arrays.equals(c, nextAt, nextEnd, written, nextAt, nextEnd);
            if (frameNLost && nextKept) {
                image = candidate;
            }
        }
        assertThat(image).as("a crash seed that loses frame n and keeps frame n+1").isNotNull();

        WriteAheadLog run2 = WriteAheadLog.open(DIR, small(SyncMode.SYNC, image).build());
        assertThat(run2.lastLsn()).as("records n and n+1 were unforced; n is lost").isEqualTo(n - 1);
        byte[] newN = record(n, BIG);
        assertThat(run2.append(newN)).isEqualTo(n);
        // Acknowledged and forced (SYNC). Nothing else is ever appended. Power loss:
        SimulatedDisk image2 = image.crash(1);
        try (WriteAheadLog run3 = WriteAheadLog.open(DIR, small(SyncMode.SYNC, image2).build())) {
            List<Entry> entries = replayFrom(run3, n);
            boolean run1Payload = entries.size() > 1 && Arrays.equals(entries.get(1).bytes(), oldNext);
            assertThat(lsns(entries)).as("records at and after n after the second crash (only n was appended; "
                            + "extra record n+1 carries run 1's dropped payload: " + run1Payload + ")")
                    .containsExactly(n);
            assertThat(run3.lastLsn()).isEqualTo(n);
        }
    }

    /**
     * Recovery seals a recycled segment where its records end and leaves the dropped frames of that run behind the
     * end marker ("its end marker hides them"). Their LSNs are the ones the log hands out next. Once that file is
     * truncated and recycled again, soon enough (large records use few LSNs per segment), its new life's records
     * reach one of those frames at the offset where the LSN it carries is expected, and it is replayed as a record
     * that was never appended.
     */
    @Test
    void aDroppedFrameBehindARecoverySealComesBackWhenTheFileIsRecycledAgain() throws IOException {
        Reused r = reuseFileWithDroppedFrames();
        long m = r.m();
        // Record m's frame ends exactly where run 1's frame of LSN m + 1 starts.
        int payload = (int) ((m + 1 - r.n()) * r.frame()) - WalFormat.FRAME_HEADER_SIZE;
        assertThat(r.log().append(record(m, payload))).isEqualTo(m);
        assertThat(r.log().lastLsn()).isEqualTo(m);
        assertThat(r.image().list(DIR)).contains(WalFormat.fileName(m));
        SimulatedDisk image2 = r.image().crash(1);
        try (WriteAheadLog run3 = WriteAheadLog.open(DIR, small(SyncMode.SYNC, image2).build())) {
            assertThat(lsns(replayFrom(run3, m))).as("records from m = " + m + " after a crash; only m was "
                    + "appended (segment " + m + " reuses the file of segment " + r.n() + ")").containsExactly(m);
        }
    }

    /**
     * The same leftover frames also carry the known-forced offsets of their old run. In the file's next life, an
     * invalid frame before such an offset (here the stale bytes right after two small, forced, acknowledged records)
     * is taken as proof that forced data was damaged: an ordinary crash right after SYNC appends makes the log
     * impossible to open.
     */
    @Test
    void leftoverFramesOfAnOlderRunMakeRecoveryReportCorruptionAfterAnOrdinaryCrash() throws IOException {
        Reused r = reuseFileWithDroppedFrames();
        long m = r.m();
        assertThat(r.log().append(record(m, 100))).isEqualTo(m); // segment b is full: any record rotates
        assertThat(r.image().list(DIR)).as("record m rotated into segment n's file").contains(WalFormat.fileName(m));
        assertThat(r.log().append(record(m + 1, 100))).isEqualTo(m + 1);
        SimulatedDisk image2 = r.image().crash(1);
        try (WriteAheadLog run3 = WriteAheadLog.open(DIR, small(SyncMode.SYNC, image2).build())) {
            assertThat(lsns(replayFrom(run3, m))).containsExactly(m, m + 1);
        }
    }

    record Reused(SimulatedDisk image, WriteAheadLog log, long n, int frame, long m) {
    }

    /**
     * Run 1 (NONE): a recycled active segment n of 1000-byte records, record n forced, the rest not; a crash loses
     * frame n+j (j >= 1), keeping frame n+j+3. Run 2 (SYNC) fills two segments with one record each, truncating so
     * that segment n's file goes back to the pool behind one other; the next rotation (for LSN m = n+j+2) reuses it.
     */
    private static Reused reuseFileWithDroppedFrames() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        WalOptions options = small(SyncMode.NONE, disk).build();
        WriteAheadLog log = WriteAheadLog.open(DIR, options);
        int f = 1000;
        int frame = WalFormat.FRAME_HEADER_SIZE + f;
        long lsn = 0;
        while (disk.list(DIR).stream().filter(x -> x.endsWith(".log")).count() < 4) {
            lsn = log.append(record(lsn + 1, 3000));
        }
        log.truncateBefore(lsn + 1);
        long segmentsBefore = disk.list(DIR).stream().filter(x -> x.endsWith(".log")).count();
        long n;
        do {
            n = log.append(record(lsn + 1, f));
            lsn = n;
        } while (disk.list(DIR).stream().filter(x -> x.endsWith(".log")).count() == segmentsBefore);
        Path file = DIR.resolve(WalFormat.fileName(n));
        assertThat(headerFlags(disk.content(file))).isEqualTo(WalFormat.FLAG_RECYCLED);
        log.truncateBefore(n); // the pool holds two files again
        log.sync();             // record n is forced
        int count = 30;
        for (int k = 1; k < count; k++) {
            log.append(record(n + k, f));
        }
        byte[] written = disk.content(file);

        // A power loss that loses frame n+j (j >= 1), keeping those before it and frame n+j+3.
        SimulatedDisk image = null;
        int lostJ = -1;
        for (long seed = 0; seed < 5000 && image == null; seed++) {
            SimulatedDisk candidate = disk.crash(seed);
            byte[] c = candidate.content(file);
            for (int j = 1; j < count - 4; j++) {
                int at = 32 + j * frame;
                int phantom = at + 3 * frame; // run 1's frame of LSN n + j + 3, which will be m + 1
                if (!Arrays.equals(c, at, at + 28, written, at, at + 28)
                        && Arrays.equals(c, phantom, phantom + frame, written, phantom, phantom + frame)
                        && Arrays.equals(c, 32, at, written, 32, at)) {
                    image = candidate;
                    lostJ = j;
                    break;
                }
            }
        }
        assertThat(image).as("a crash seed that loses frame n+j and keeps n+j+3").isNotNull();

        WriteAheadLog run2 = WriteAheadLog.open(DIR, small(SyncMode.SYNC, image).build());
        assertThat(run2.lastLsn()).isEqualTo(n + lostJ - 1);
        int max = run2.maxRecordBytes();
        long a = run2.append(record(n + lostJ, max));          // fills the segment recovery started
        run2.truncateBefore(a);                                  // segment n's file goes to the pool, last
        long b = run2.append(record(a + 1, max));               // rotates into the older pool file
        // The next rotation reuses segment n's file as segment m = b + 1.
        return new Reused(image, run2, n, frame, b + 1);
    }

    static int headerFlags(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(WalFormat.HEADER_FLAGS);
    }
}
