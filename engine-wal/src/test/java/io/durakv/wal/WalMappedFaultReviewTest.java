package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Review of the mapped writes: a fault during the copy into the mapping (here the active segment is cut short from
 * outside, so the pages past its new end raise SIGBUS) fails the append whose bytes did not land, in that call, not a
 * later one; every acknowledged record is in the file; the log keeps its failed-write handling (not fail-stop: once
 * the file is whole again, the failed range is zeroed and the log goes on with gap-free LSNs); nothing surfaces later
 * on the thread, and a reopen finds exactly the acknowledged records.
 */
class WalMappedFaultReviewTest {

    private static final long SEGMENT = 1L << 20;
    private static final long CUT = 64L << 10;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = SyncMode.class, names = {"BATCH", "NONE"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aCopyFaultFailsThatAppendAndTheLogGoesOnOnceTheFileIsWholeAgain(SyncMode mode) throws Exception {
        assumeTrue(LocalDisk.mapsFiles(), "this JVM gives no mappings (LocalDisk.mapsFiles)");
        WalOptions options = WalOptions.builder().syncMode(mode).segmentBytes(SEGMENT).disk(LocalDisk.INSTANCE)
                .build();
        List<byte[]> acked = new ArrayList<>();
        List<WalPosition> positions = new ArrayList<>();
        try (WriteAheadLog log = WriteAheadLog.open(dir, options)) {
            // Warms the write path well past the JIT's thresholds (over a few segments): the fault must also surface
            // inside a compiled write. Stops a page or two before the cut.
            while (true) {
                byte[] r = record(acked.size() + 1, 8);
                WalPosition p = log.appendWithPosition(r);
                positions.add(p);
                acked.add(r);
                if (acked.size() >= 60_000 && p.offset() > CUT - 8192 && p.offset() <= CUT - 4096) {
                    break;
                }
            }
            assertThat(segmentFiles(dir)).as("the warm-up rotated").hasSizeGreaterThan(1);
            log.sync();
            Path active = segmentFiles(dir).get(segmentFiles(dir).size() - 1);
            assertThat(positions.get(positions.size() - 1).segment()).isEqualTo(WalFormat.parseFileName(
                    active.getFileName().toString()));
            try (FileChannel other = FileChannel.open(active, StandardOpenOption.WRITE)) {
                other.truncate(CUT);
            }
            StoreException failed = null;
            for (int i = 0; i < 1000 && failed == null; i++) {
                byte[] r = record(acked.size() + 1, 300);
                try {
                    WalPosition p = log.appendWithPosition(r);
                    assertThat(p.lsn()).isEqualTo(acked.size() + 1);
                    assertThat(p.offset() + WalFormat.FRAME_HEADER_SIZE + r.length).as("an acknowledged record ends"
                            + " inside the file").isLessThanOrEqualTo(CUT);
                    positions.add(p);
                    acked.add(r);
                } catch (StoreException e) {
                    failed = e;
                }
            }
            assertThat(failed).as("an append whose bytes fall past the cut fails").isNotNull();
            assertThat(causes(failed)).anyMatch(c -> c instanceof IOException
                    && String.valueOf(c.getMessage()).contains("of the mapping of "));
            // Nothing is pending on this thread: a fault raised after the write returned would surface here.
            for (int i = 0; i < 1000; i++) {
                Thread.holdsLock(this);
            }
            assertThat(log.isFailed()).as("a failed write is not fail-stop").isFalse();
            // Every acknowledged record is in the file, read back through the file handle.
            for (int i = Math.max(0, positions.size() - 200); i < positions.size(); i++) {
                assertThat(log.readAt(positions.get(i))).isEqualTo(acked.get(i));
            }
            // The file is whole again (a hole to the segment size): the failed range is zeroed, and appends go on
            // from the last acknowledged LSN.
            try (FileChannel other = FileChannel.open(active, StandardOpenOption.WRITE)) {
                other.write(ByteBuffer.wrap(new byte[1]), SEGMENT - 1);
            }
            for (int i = 0; i < 20; i++) {
                byte[] r = record(acked.size() + 1, 300);
                WalPosition p = log.appendWithPosition(r);
                assertThat(p.lsn()).isEqualTo(acked.size() + 1);
                positions.add(p);
                acked.add(r);
            }
            assertThat(log.isFailed()).isFalse();
        }
        try (WriteAheadLog again = WriteAheadLog.open(dir, options)) {
            List<Entry> back = replayAll(again);
            long first = back.isEmpty() ? acked.size() + 1 : back.get(0).lsn();
            assertThat(back.get(back.size() - 1).lsn()).isEqualTo(acked.size());
            for (Entry e : back) {
                assertThat(e.bytes()).as("record %d", e.lsn()).isEqualTo(acked.get((int) e.lsn() - 1));
            }
            assertThat(lsns(back)).hasSize((int) (acked.size() - first + 1));
        }
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> out = new ArrayList<>();
        for (Throwable c = t; c != null && !out.contains(c); c = c.getCause()) {
            out.add(c);
        }
        return out;
    }
}
