package io.durakv.wal;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Standalone framed files: read back whole and by position, and refused whole when damaged or unfinished. */
class FramedFileTest {

    private static final Path DIR = Path.of("/f");
    private static final Path FILE = DIR.resolve("x.framed");

    private record Read(long seq, long offset, byte[] payload) {
    }

    private static List<long[]> writeSample(SimulatedDisk disk) throws IOException {
        disk.createDirectories(DIR);
        List<long[]> written = new ArrayList<>();
        try (FramedFile.Writer w = FramedFile.create(disk, FILE)) {
            for (int i = 0; i < 50; i++) {
                long seq = 1000 - i * 7; // any order
                written.add(new long[]{seq, w.append(seq, WalTesting.record(i, i * 100))});
            }
            // A frame larger than the writer's buffer goes out on its own.
            written.add(new long[]{5, w.append(5, WalTesting.record(50, (1 << 20) + 4000))});
            w.finish();
        }
        return written;
    }

    private static List<Read> scan(SimulatedDisk disk) throws IOException {
        List<Read> out = new ArrayList<>();
        FramedFile.scan(disk, FILE, (seq, offset, payload) -> out.add(new Read(seq, offset, payload)));
        return out;
    }

    @Test
    void framesReadBackInOrderAndByPosition() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        List<long[]> written = writeSample(disk);
        List<Read> read = scan(disk);
        assertThat(read).hasSize(written.size());
        for (int i = 0; i < written.size(); i++) {
            assertThat(read.get(i).seq()).isEqualTo(written.get(i)[0]);
            assertThat(read.get(i).offset()).isEqualTo(written.get(i)[1]);
            assertThat(read.get(i).payload()).isEqualTo(WalTesting.record(i, i < 50 ? i * 100 : (1 << 20) + 4000));
            assertThat(FramedFile.readAt(disk, FILE, written.get(i)[1], written.get(i)[0]))
                    .isEqualTo(read.get(i).payload());
        }
        // finish() forced everything: a power loss keeps the whole file.
        assertThat(scan(disk.crash(7))).hasSize(written.size());
    }

    /**
     * A reader over one open handle reads every frame as the static read does, whatever size the caller expects (too
     * small, exact, too large, past the end of the file), checks the sequence number, and fails after close.
     */
    @Test
    void aReaderOverAnOpenHandleReadsEveryFrameWithAnyExpectedSize() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        List<long[]> written = writeSample(disk);
        FramedFile.Reader reader = FramedFile.openReader(disk, FILE);
        try (reader) {
            assertThat(reader.path()).isEqualTo(FILE);
            for (int i = 0; i < written.size(); i++) {
                byte[] expected = WalTesting.record(i, i < 50 ? i * 100 : (1 << 20) + 4000);
                int exact = (int) FramedFile.frameBytes(expected.length);
                for (int guess : new int[]{0, 1, exact - 1, exact, exact + 1, 4096, Integer.MAX_VALUE}) {
                    assertThat(reader.readAt(written.get(i)[1], written.get(i)[0], guess))
                            .as("frame %d, expected size %d", i, guess).isEqualTo(expected);
                }
            }
            assertThatThrownBy(() -> reader.readAt(written.get(3)[1], written.get(3)[0] + 1, 100))
                    .isInstanceOfSatisfying(CorruptionException.class, e -> {
                        assertThat(e.file()).isEqualTo(FILE);
                        assertThat(e.offset()).isEqualTo(written.get(3)[1]);
                    }).hasMessageContaining("sequence number");
        }
        assertThatThrownBy(() -> reader.readAt(written.get(3)[1], written.get(3)[0], 100))
                .isInstanceOf(IOException.class);
    }

    @Test
    void aFileWithoutItsEndMarkerIsRefused() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        writeSample(disk);
        try (DiskFile f = disk.open(FILE, OpenMode.READ_WRITE)) {
            f.truncate(f.size() - WalFormat.MARKER_SIZE);
        }
        assertThatThrownBy(() -> scan(disk)).isInstanceOfSatisfying(CorruptionException.class,
                e -> assertThat(e.file()).isEqualTo(FILE));
    }

    @Test
    void aDamagedByteAnywhereIsRefused() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        List<long[]> written = writeSample(disk);
        long at = written.get(20)[1] + 40;
        try (DiskFile f = disk.open(FILE, OpenMode.READ_WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            f.readFully(at, b);
            f.write(at, ByteBuffer.wrap(new byte[]{(byte) (b.get(0) ^ 0x10)}));
        }
        assertThatThrownBy(() -> scan(disk)).isInstanceOfSatisfying(CorruptionException.class,
                e -> assertThat(e.offset()).isEqualTo(written.get(20)[1]));
        assertThatThrownBy(() -> FramedFile.readAt(disk, FILE, written.get(20)[1], written.get(20)[0]))
                .isInstanceOf(CorruptionException.class);
        // The same through a reader over an open handle, which goes on reading the other frames.
        try (FramedFile.Reader reader = FramedFile.openReader(disk, FILE)) {
            assertThatThrownBy(() -> reader.readAt(written.get(20)[1], written.get(20)[0], 64))
                    .isInstanceOfSatisfying(CorruptionException.class, e -> {
                        assertThat(e.file()).isEqualTo(FILE);
                        assertThat(e.offset()).isEqualTo(written.get(20)[1]);
                    });
            assertThat(reader.readAt(written.get(21)[1], written.get(21)[0], 64))
                    .isEqualTo(WalTesting.record(21, 2100));
        }
    }

    @Test
    void aPositionalReadChecksTheSequenceNumber() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        List<long[]> written = writeSample(disk);
        assertThatThrownBy(() -> FramedFile.readAt(disk, FILE, written.get(3)[1], written.get(3)[0] + 1))
                .isInstanceOf(CorruptionException.class).hasMessageContaining("sequence number");
        assertThatThrownBy(() -> FramedFile.readAt(disk, FILE, written.get(3)[1] + 1, written.get(3)[0]))
                .isInstanceOf(CorruptionException.class);
    }

    @Test
    void anUnforcedFileCanBeLostOrCutButNeverReadAsShorter() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(DIR);
        FramedFile.Writer w = FramedFile.create(disk, FILE);
        for (int i = 0; i < 500; i++) { // past the writer's 1 MiB buffer, so frames reach the file
            w.append(i + 1, WalTesting.record(i, 3000));
        }
        w.close(); // never finished: no end marker
        assertThat(disk.content(FILE).length).isGreaterThan(1 << 19);
        for (long seed = 0; seed < 10; seed++) {
            SimulatedDisk crashed = seed == 0 ? disk : disk.crash(seed);
            if (crashed.exists(FILE)) {
                assertThatThrownBy(() -> FramedFile.scan(crashed, FILE, (s, o, p) -> { }))
                        .isInstanceOf(CorruptionException.class);
            }
        }
    }

    @Test
    void replayWithPositionsGivesWhatAppendWithPositionReturned() {
        SimulatedDisk disk = new SimulatedDisk();
        List<WalPosition> appended = new ArrayList<>();
        try (WriteAheadLog log = WriteAheadLog.open(DIR, WalTesting.small(io.durakv.api.SyncMode.NONE, disk).build())) {
            for (int i = 0; i < 60; i++) {
                appended.add(log.appendWithPosition(WalTesting.record(i, 3000)));
            }
            long[] starts = log.segmentStarts();
            assertThat(starts.length).isGreaterThan(1);
            assertThat(starts[0]).isEqualTo(1);
            List<WalPosition> replayed = new ArrayList<>();
            log.replayWithPositions(0, (position, record) -> {
                replayed.add(position);
                assertThat(record).isEqualTo(WalTesting.record(position.lsn() - 1, 3000));
            });
            assertThat(replayed).isEqualTo(appended);
            assertThat(appended.stream().map(WalPosition::segment).distinct().toList())
                    .containsExactly(java.util.Arrays.stream(starts).boxed().toArray(Long[]::new));
            List<WalPosition> tail = new ArrayList<>();
            log.replayWithPositions(40, (position, record) -> tail.add(position));
            assertThat(tail).isEqualTo(appended.subList(39, 60));
        }
    }
}
