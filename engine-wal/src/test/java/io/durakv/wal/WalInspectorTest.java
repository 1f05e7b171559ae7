package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link WalInspector}: read-only verdicts that agree with recovery's rules, and segment dumps. */
class WalInspectorTest {

    private static final Path DIR = Path.of("/wal");
    private final SimulatedDisk disk = new SimulatedDisk();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final PrintStream report = new PrintStream(out, true, StandardCharsets.UTF_8);

    /** Writes {@code n} records of 3000 bytes (several segments), closed cleanly unless {@code close} is false. */
    private void write(int n, boolean close) {
        WriteAheadLog log = WriteAheadLog.open(DIR, WalTesting.small(SyncMode.SYNC, disk).build());
        for (int i = 1; i <= n; i++) {
            log.append(WalTesting.record(i, 3000));
        }
        if (close) {
            log.close();
        }
    }

    private List<String> segments() throws IOException {
        List<String> names = new ArrayList<>(disk.list(DIR));
        names.removeIf(n -> WalFormat.parseFileName(n) < 0);
        return names;
    }

    private WalInspector.Summary verify(List<Long> lsns) throws IOException {
        return WalInspector.verify(disk, DIR, (lsn, r) -> lsns.add(lsn), report);
    }

    private void scribble(String segment, long offset, byte[] bytes) throws IOException {
        try (DiskFile f = disk.open(DIR.resolve(segment), OpenMode.READ_WRITE)) {
            f.write(offset, ByteBuffer.wrap(bytes));
            f.force(true);
        }
    }

    @Test
    void aCleanlyClosedLogIsSoundAndEveryRecordIsVisitedInOrder() throws IOException {
        write(60, true);
        assertThat(segments()).hasSizeGreaterThan(2);
        List<Long> lsns = new ArrayList<>();
        WalInspector.Summary s = verify(lsns);
        assertThat(s.damaged()).as(out.toString()).isFalse();
        assertThat(s.closedClean()).isTrue();
        assertThat(s.firstLsn()).isEqualTo(1);
        assertThat(s.lastLsn()).isEqualTo(60);
        assertThat(s.segments()).isEqualTo(segments().size());
        assertThat(lsns).hasSize(60).isSorted().startsWith(1L).endsWith(60L);
        assertThat(out.toString()).doesNotContain("DAMAGE");
    }

    @Test
    void aDamagedRecordInASealedSegmentIsDamageWithFileAndOffset() throws IOException {
        write(60, true);
        String first = segments().get(0);
        scribble(first, WalFormat.HEADER_SIZE + WalFormat.FRAME_HEADER_SIZE + 10, new byte[]{0x55});
        WalInspector.Summary s = verify(new ArrayList<>());
        assertThat(s.damaged()).isTrue();
        assertThat(out.toString()).contains("DAMAGE: " + DIR.resolve(first) + " at offset " + WalFormat.HEADER_SIZE)
                .contains("checksum mismatch").contains("sealed segment");
    }

    @Test
    void aMissingSegmentIsDamage() throws IOException {
        write(60, true);
        List<String> names = segments();
        disk.delete(DIR.resolve(names.get(1)));
        assertThat(verify(new ArrayList<>()).damaged()).isTrue();
        assertThat(out.toString()).contains("a segment is missing");
    }

    @Test
    void aDamagedRecordBeforeTheCleanCloseMarkerIsDamage() throws IOException {
        write(60, true);
        List<String> names = segments();
        String last = names.get(names.size() - 1);
        scribble(last, WalFormat.HEADER_SIZE + WalFormat.FRAME_HEADER_SIZE + 10, new byte[]{0x55});
        assertThat(verify(new ArrayList<>()).damaged()).isTrue();
        assertThat(out.toString()).contains("claims the segment was forced");
    }

    @Test
    void garbageAfterTheLastFrameOfAnUnclosedLogIsANoteNotDamage() throws IOException {
        write(5, false);
        String last = segments().get(segments().size() - 1);
        List<Long> lsns = new ArrayList<>();
        long end = WalFormat.HEADER_SIZE; // just past the last valid frame
        try (SegmentReader r = SegmentReader.open(disk, DIR.resolve(last), SegmentReader.POINT_WINDOW)) {
            for (Frame f; (f = r.read(end, WalFormat.parseFileName(last), Long.MAX_VALUE)) != null; ) {
                end = f.end();
            }
        }
        scribble(last, end, "torn".getBytes(StandardCharsets.US_ASCII));
        WalInspector.Summary s = verify(lsns);
        assertThat(s.damaged()).as(out.toString()).isFalse();
        assertThat(s.closedClean()).isFalse();
        assertThat(lsns).hasSize(5);
        assertThat(out.toString()).contains("nothing proves forced").contains("not closed cleanly");
        // Recovery agrees: it drops the tail and keeps the five records.
        try (WriteAheadLog log = WriteAheadLog.open(DIR, WalTesting.small(SyncMode.SYNC, disk).build())) {
            assertThat(log.lastLsn()).isEqualTo(5);
        }
    }

    @Test
    void dumpListsHeaderFramesAndWhatFollows() throws IOException {
        write(3, true);
        String seg = segments().get(0);
        WalInspector.dump(disk, DIR.resolve(seg), r -> r.length + " bytes", report);
        assertThat(out.toString()).contains("header: version 1, first LSN 1").contains("LSN 3")
                .contains("clean-close marker").contains("end of log");
        assertThatThrownBy(() -> WalInspector.dump(disk, DIR.resolve("other.log"), r -> "", report))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void verifyWritesNothing() throws IOException {
        write(20, false);
        long calls = disk.mutatingCalls();
        verify(new ArrayList<>());
        assertThat(disk.mutatingCalls()).isEqualTo(calls);
    }
}
