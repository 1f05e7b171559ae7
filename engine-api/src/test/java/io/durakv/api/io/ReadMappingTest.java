package io.durakv.api.io;

import static io.durakv.api.io.DiskTestSupport.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DiskFile#mapForReading}: a real mapping on {@link LocalDisk} where the JVM guards every access (Java 22+): it
 * reads what the page cache holds, faults and closes become {@link IOException}s in the read, the mapping is released
 * at close; reads through the handle everywhere else, with the same range and closed-state checks.
 */
class ReadMappingTest {

    private static final int SIZE = 64 << 10;

    @TempDir
    Path dir;

    /** A new file of {@code size} bytes of {@code pattern(size, salt)}, open. */
    static DiskFile filled(Disk disk, Path file, int size, int salt) throws IOException {
        DiskFile f = disk.open(file, OpenMode.CREATE_NEW);
        f.write(0, ByteBuffer.wrap(pattern(size, salt)));
        return f;
    }

    private List<Object[]> disks() throws IOException {
        return disks(dir);
    }

    /** The local disk with {@code dir}, and a new simulated disk with a directory in it: {disk, directory} pairs. */
    static List<Object[]> disks(Path dir) throws IOException {
        SimulatedDisk sim = new SimulatedDisk();
        sim.createDirectories(Path.of("/sim"));
        return List.of(new Object[] {LocalDisk.INSTANCE, dir}, new Object[] {sim, Path.of("/sim")});
    }

    @Test
    void mappingsAreUsedExactlyWhereTheJvmGuardsAccessesAndRaisesFaultsInTheCall() throws IOException {
        int feature = Runtime.version().feature();
        if (feature < 22) {
            assertThat(LocalDisk.mapsReads()).isFalse();
        } else if (feature == 25) {
            assertThat(LocalDisk.mapsReads()).isTrue();
        }
        assertThat(!LocalDisk.mapsReads() || LocalDisk.mapsFiles()).isTrue();
        try (DiskFile f = filled(LocalDisk.INSTANCE, dir.resolve("a"), SIZE, 1);
             ReadMapping m = f.mapForReading(0, SIZE)) {
            assertThat(m.mapped()).isEqualTo(LocalDisk.mapsReads());
        }
    }

    @Test
    void readsReturnTheFilesBytesIntoArraysHeapAndDirectBuffers() throws IOException {
        for (Object[] d : disks()) {
            Disk disk = (Disk) d[0];
            byte[] expected = pattern(SIZE, 5);
            try (DiskFile f = filled(disk, ((Path) d[1]).resolve("r"), SIZE, 5);
                 ReadMapping m = f.mapForReading(4096, SIZE - 4096)) {
                assertThat(m.position()).isEqualTo(4096);
                assertThat(m.size()).isEqualTo(SIZE - 4096);
                byte[] arr = new byte[310];
                m.read(8000, arr, 10, 300); // crosses a page boundary
                assertThat(Arrays.copyOfRange(arr, 10, 310)).as("%s", disk)
                        .isEqualTo(Arrays.copyOfRange(expected, 8000, 8300));
                assertThat(Arrays.copyOfRange(arr, 0, 10)).containsOnly(0);
                ByteBuffer heap = ByteBuffer.allocate(100);
                heap.position(20);
                m.read(4096, heap);
                assertThat(heap.position()).isEqualTo(100);
                assertThat(Arrays.copyOfRange(heap.array(), 20, 100))
                        .isEqualTo(Arrays.copyOfRange(expected, 4096, 4176));
                ByteBuffer direct = ByteBuffer.allocateDirect(64);
                m.read(SIZE - 64, direct);
                assertThat(direct.hasRemaining()).isFalse();
                byte[] got = new byte[64];
                direct.flip().get(got);
                assertThat(got).isEqualTo(Arrays.copyOfRange(expected, SIZE - 64, SIZE));
            }
        }
    }

    @Test
    void bytesWrittenAfterTheMappingWasMadeAreReadAtOnceWhetherWrittenByCallOrByAWriteMapping()
            throws IOException {
        try (DiskFile f = filled(LocalDisk.INSTANCE, dir.resolve("w"), SIZE, 1);
             ReadMapping r = f.mapForReading(0, SIZE);
             WriteMapping w = f.mapForWriting(SIZE)) {
            f.write(100, ByteBuffer.wrap(pattern(50, 9)));
            w.write(1000, ByteBuffer.wrap(pattern(50, 10)));
            byte[] back = new byte[50];
            r.read(100, back, 0, 50);
            assertThat(back).isEqualTo(pattern(50, 9));
            r.read(1000, back, 0, 50);
            assertThat(back).isEqualTo(pattern(50, 10));
        }
    }

    @Test
    void rangesOutsideTheMappingOrTheFileAreRefused() throws IOException {
        for (Object[] d : disks()) {
            Disk disk = (Disk) d[0];
            try (DiskFile f = filled(disk, ((Path) d[1]).resolve("range"), 1000, 1)) {
                assertThatThrownBy(() -> f.mapForReading(1, 1000)).as("%s", disk).isInstanceOf(IOException.class)
                        .hasMessageContaining("range").hasMessageContaining("1000");
                assertThatThrownBy(() -> f.mapForReading(-1, 10)).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> f.mapForReading(0, -1)).isInstanceOf(IllegalArgumentException.class);
                try (ReadMapping m = f.mapForReading(100, 800)) {
                    byte[] b = new byte[10];
                    assertThatThrownBy(() -> m.read(99, b, 0, 10)).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("outside");
                    assertThatThrownBy(() -> m.read(891, b, 0, 10)).isInstanceOf(IllegalArgumentException.class);
                    assertThatThrownBy(() -> m.read(100, b, 5, 10)).isInstanceOf(IndexOutOfBoundsException.class);
                    m.read(890, b, 0, 10); // the last ten bytes fit exactly
                    assertThat(b).isEqualTo(Arrays.copyOfRange(pattern(1000, 1), 890, 900));
                }
                try (ReadMapping empty = f.mapForReading(1000, 0)) {
                    assertThat(empty.size()).isZero();
                    empty.read(1000, new byte[0], 0, 0);
                }
            }
        }
    }

    @Test
    void aClosedMappingRefusesReadsAndTheFileHandleStillWorks() throws IOException {
        for (Object[] d : disks()) {
            Disk disk = (Disk) d[0];
            try (DiskFile f = filled(disk, ((Path) d[1]).resolve("c"), SIZE, 1)) {
                ReadMapping m = f.mapForReading(0, SIZE);
                m.close();
                m.close();
                assertThatThrownBy(() -> m.read(0, new byte[4], 0, 4)).as("%s", disk)
                        .isInstanceOf(ClosedChannelException.class);
                assertThatThrownBy(() -> m.read(0, ByteBuffer.allocateDirect(4)))
                        .isInstanceOf(ClosedChannelException.class);
                ByteBuffer back = ByteBuffer.allocate(4);
                f.readFully(0, back);
                assertThat(back.array()).isEqualTo(Arrays.copyOf(pattern(SIZE, 1), 4));
            }
        }
    }

    @Test
    void aReadOfAPagePastTheEndOfAFileCutShortIsAnIOExceptionNotACrash() throws IOException {
        try (DiskFile f = filled(LocalDisk.INSTANCE, dir.resolve("cut"), SIZE, 1);
             ReadMapping m = f.mapForReading(0, SIZE)) {
            try (FileChannel other = FileChannel.open(f.path(), StandardOpenOption.WRITE)) {
                other.truncate(4096);
            }
            // A mapping faults (SIGBUS); a read call comes back short: an IOException either way.
            assertThatThrownBy(() -> m.read(SIZE - 100, new byte[100], 0, 100)).as("mapped: %s", m.mapped())
                    .isInstanceOf(IOException.class);
            assertThatThrownBy(() -> m.read(SIZE - 100, ByteBuffer.allocateDirect(100)))
                    .isInstanceOf(IOException.class);
            byte[] b = new byte[100];
            m.read(100, b, 0, 100); // still works where the file still is
            assertThat(b).isEqualTo(Arrays.copyOfRange(pattern(SIZE, 1), 100, 200));
        }
    }

    @Test
    void readsRacingCloseEitherReadTheRightBytesOrThrowClosedChannelException() throws Exception {
        assumeTrue(LocalDisk.mapsReads(), "this JVM gets no read mappings");
        byte[] expected = pattern(SIZE, 3);
        for (int round = 0; round < 20; round++) {
            try (DiskFile f = filled(LocalDisk.INSTANCE, dir.resolve("race" + round), SIZE, 3)) {
                ReadMapping m = f.mapForReading(0, SIZE);
                int threads = 3;
                CountDownLatch started = new CountDownLatch(threads);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong reads = new AtomicLong();
                List<Throwable> wrong = new ArrayList<>();
                List<Thread> all = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    Thread th = new Thread(() -> {
                        byte[] b = new byte[4096];
                        started.countDown();
                        for (int i = 0; !stop.get(); i++) {
                            int at = (i * 4099 + id * 512) % (SIZE - b.length);
                            try {
                                m.read(at, b, 0, b.length);
                                if (!Arrays.equals(b, 0, b.length, expected, at, at + b.length)) {
                                    synchronized (wrong) {
                                        wrong.add(new AssertionError("wrong bytes at " + at));
                                    }
                                }
                                reads.incrementAndGet();
                            } catch (ClosedChannelException closed) {
                                return;
                            } catch (Throwable e) {
                                synchronized (wrong) {
                                    wrong.add(e);
                                }
                                return;
                            }
                        }
                    });
                    th.start();
                    all.add(th);
                }
                started.await();
                while (reads.get() < 1000) {
                    Thread.onSpinWait();
                }
                m.close();
                stop.set(true);
                for (Thread th : all) {
                    th.join();
                }
                assertThat(wrong).isEmpty();
                assertThatThrownBy(() -> m.read(0, new byte[1], 0, 1)).isInstanceOf(ClosedChannelException.class);
            }
        }
    }

    @Test
    void closeReleasesTheMappingAtOnce() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "needs Linux's /proc/self/maps");
        assumeTrue(LocalDisk.mapsReads(), "this JVM gets no read mappings");
        try (DiskFile f = filled(LocalDisk.INSTANCE, dir.resolve("read-released-at-close"), SIZE, 1)) {
            ReadMapping m = f.mapForReading(0, SIZE);
            m.read(0, new byte[10], 0, 10);
            assertThat(Files.readString(maps)).contains("read-released-at-close");
            m.close();
            assertThat(Files.readString(maps)).as("no mapping of the file is left")
                    .doesNotContain("read-released-at-close");
        }
    }

    @Test
    void theSimulatedDiskSeesEveryReadAndItsFaults() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        Path d = Path.of("/sim");
        disk.createDirectories(d);
        try (DiskFile f = filled(disk, d.resolve("f"), SIZE, 2); ReadMapping m = f.mapForReading(0, SIZE)) {
            assertThat(m.mapped()).isFalse();
            long before = disk.calls(DiskOp.READ);
            m.read(10, new byte[10], 0, 10);
            assertThat(disk.calls(DiskOp.READ)).isGreaterThan(before);
            disk.inject(FaultRule.nthCall(DiskOp.READ, ".*", 1));
            assertThatThrownBy(() -> m.read(10, new byte[10], 0, 10)).isInstanceOf(IOException.class);
        }
    }
}
