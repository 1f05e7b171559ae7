package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link WriteAheadLog#readAt} and {@link FramedFile.Reader} read through read mappings on the local disk where it maps
 * reads (Java 22+): the records come back the same, the segments read are mapped ({@code /proc/self/maps}) and their
 * mappings are released when truncation removes a segment and when the log or reader closes; with
 * {@link WalOptions#mappedReads()} off nothing is mapped (SYNC logs there, so no write mapping shows in the maps).
 */
class WalMappedReadsTest {

    private static final Path MAPS = Path.of("/proc/self/maps");

    @TempDir
    Path dir;

    private static List<String> mapped(Path under) throws IOException {
        return mappings(under).stream().distinct().collect(Collectors.toList());
    }

    /** Files under {@code under} mapped into this process, sorted, one entry per mapping (a file may repeat). */
    static List<String> mappings(Path under) throws IOException {
        String root = under.toRealPath() + "/";
        return Files.readAllLines(MAPS).stream().map(line -> line.substring(line.lastIndexOf(' ') + 1))
                .filter(p -> p.startsWith(root)).sorted().collect(Collectors.toList());
    }

    private static WalOptions options(SyncMode mode, boolean mappedReads) {
        return WalOptions.builder().syncMode(mode).segmentBytes(64 << 10).mappedReads(mappedReads).build();
    }

    @Test
    void recordsReadBackTheSameWithMappedReadsOnAndOff() throws IOException {
        for (boolean on : new boolean[] {true, false}) {
            Path logDir = dir.resolve("log-" + on);
            List<WalPosition> at = new ArrayList<>();
            // NONE: the active segment is also written through a write mapping where the disk maps files.
            try (WriteAheadLog wal = WriteAheadLog.open(logDir, options(SyncMode.NONE, on))) {
                for (int i = 0; i < 300; i++) {
                    at.add(wal.appendWithPosition(WalTesting.record(i, 100 + (i % 7) * 300)));
                }
                assertThat(at.get(at.size() - 1).segment()).as("several segments").isGreaterThan(1);
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i < at.size(); i++) {
                        assertThat(wal.readAt(at.get(i))).isEqualTo(WalTesting.record(i, 100 + (i % 7) * 300));
                        assertThat(wal.readAt(at.get(i), 1)).isEqualTo(WalTesting.record(i, 100 + (i % 7) * 300));
                    }
                }
                // Records appended after a segment was mapped are read too (the active segment's mapping covers
                // its preallocated size).
                WalPosition late = wal.appendWithPosition(WalTesting.record(1000, 50));
                assertThat(wal.readAt(late)).isEqualTo(WalTesting.record(1000, 50));
            }
        }
    }

    @Test
    void segmentsReadAreMappedUntilTruncatedOrClosedAndNotMappedWithTheOptionOff() throws IOException {
        assumeTrue(Files.isReadable(MAPS), "needs Linux's /proc/self/maps");
        assumeTrue(LocalDisk.mapsReads(), "this JVM gets no read mappings");
        Path logDir = dir.resolve("on");
        List<WalPosition> at = new ArrayList<>();
        WriteAheadLog wal = WriteAheadLog.open(logDir, options(SyncMode.SYNC, true));
        try {
            for (int i = 0; i < 300; i++) {
                at.add(wal.appendWithPosition(WalTesting.record(i, 1000)));
            }
            assertThat(mapped(logDir)).as("nothing read yet").isEmpty();
            for (WalPosition p : at) {
                wal.readAt(p);
            }
            long segments = at.stream().map(WalPosition::segment).distinct().count();
            assertThat(mapped(logDir)).hasSize((int) segments);
            WalPosition last = at.get(at.size() - 1);
            wal.truncateBefore(last.lsn());
            assertThat(mapped(logDir)).as("only the segment left is mapped").hasSize(1)
                    .allMatch(p -> p.endsWith(WalFormat.fileName(last.segment())));
        } finally {
            wal.close();
        }
        assertThat(mapped(logDir)).as("close releases every mapping").isEmpty();

        Path offDir = dir.resolve("off");
        try (WriteAheadLog off = WriteAheadLog.open(offDir, options(SyncMode.SYNC, false))) {
            for (int i = 0; i < 100; i++) {
                off.readAt(off.appendWithPosition(WalTesting.record(i, 1000)));
            }
            assertThat(mapped(offDir)).isEmpty();
        }
    }

    @Test
    void aFramedFileReaderMapsItsFileUntilClosed() throws IOException {
        Path file = dir.resolve("x.framed");
        List<long[]> written = new ArrayList<>();
        try (FramedFile.Writer w = FramedFile.create(LocalDisk.INSTANCE, file)) {
            for (int i = 0; i < 200; i++) {
                written.add(new long[] {i + 1, w.append(i + 1, WalTesting.record(i + 1, 200))});
            }
            w.finish();
        }
        FramedFile.Reader r = FramedFile.openReader(LocalDisk.INSTANCE, file);
        try {
            for (long[] seqAndOffset : written) {
                assertThat(r.readAt(seqAndOffset[1], seqAndOffset[0], 0))
                        .isEqualTo(WalTesting.record(seqAndOffset[0], 200));
            }
            if (Files.isReadable(MAPS)) {
                assertThat(mapped(dir)).hasSize(LocalDisk.mapsReads() ? 1 : 0);
            }
        } finally {
            r.close();
        }
        if (Files.isReadable(MAPS)) {
            assertThat(mapped(dir)).isEmpty();
        }
        // A single read opens no mapping.
        assertThat(FramedFile.readAt(LocalDisk.INSTANCE, file, written.get(5)[1], 6))
                .isEqualTo(WalTesting.record(6, 200));
    }
}
