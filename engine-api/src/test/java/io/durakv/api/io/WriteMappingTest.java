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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DiskFile#mapForWriting}: a real mapping on {@link LocalDisk} (bytes visible to every reader at once, forced by
 * {@link WriteMapping#force()}, faults turned into {@link IOException}s, the mapping released at close), writes
 * through the handle everywhere else, and the same range and closed-state checks in both.
 */
class WriteMappingTest {

    private static final int SIZE = 64 << 10;

    @TempDir
    Path dir;

    private DiskFile preallocated(Disk disk, String name, int size) throws IOException {
        DiskFile f = disk.open(dir.resolve(name), OpenMode.CREATE_NEW);
        f.write(0, ByteBuffer.allocate(size));
        f.force(true);
        return f;
    }

    @Test
    void localWritesAreVisibleToEveryReaderBeforeAnyForce() throws IOException {
        try (DiskFile f = preallocated(LocalDisk.INSTANCE, "a", SIZE);
             WriteMapping m = f.mapForWriting(SIZE)) {
            assertThat(m.mapped()).isEqualTo(LocalDisk.mapsFiles());
            assertThat(m.size()).isEqualTo(SIZE);
            byte[] bytes = pattern(300, 7);
            ByteBuffer src = ByteBuffer.wrap(bytes);
            m.write(4000, src); // crosses a page boundary
            assertThat(src.hasRemaining()).as("the source is consumed like a write call's").isFalse();
            // Another handle and the file system see the bytes at once: they are in the page cache.
            ByteBuffer back = ByteBuffer.allocate(300);
            f.readFully(4000, back);
            assertThat(back.array()).isEqualTo(bytes);
            byte[] whole = Files.readAllBytes(f.path());
            assertThat(whole).hasSize(SIZE);
            assertThat(Arrays.copyOfRange(whole, 4000, 4300)).isEqualTo(bytes);
            assertThat(Arrays.copyOfRange(whole, 0, 4000)).containsOnly(0);
            m.force();
            assertThat(f.size()).as("writes never change the size").isEqualTo(SIZE);
        }
    }

    @Test
    void mappingsAreUsedExactlyOnTheJvmsThatRaiseAFaultInsideTheWrite() throws IOException {
        // Measured: Java 17 raises a fault during a copy into a mapping at some later point of the thread (after the
        // write returned), Java 25 inside the write. Other versions are whatever the probe finds.
        int feature = Runtime.version().feature();
        if (feature == 17) {
            assertThat(LocalDisk.mapsFiles()).isFalse();
        } else if (feature == 25) {
            assertThat(LocalDisk.mapsFiles()).isTrue();
        }
        try (DiskFile f = preallocated(LocalDisk.INSTANCE, "a", SIZE);
             WriteMapping m = f.mapForWriting(SIZE)) {
            assertThat(m.mapped()).isEqualTo(LocalDisk.mapsFiles());
        }
    }

    @Test
    void aSourceIsReadFromItsPositionAndAHeapOrDirectBufferBothWork() throws IOException {
        try (DiskFile f = preallocated(LocalDisk.INSTANCE, "a", SIZE);
             WriteMapping m = f.mapForWriting(SIZE)) {
            ByteBuffer heap = ByteBuffer.wrap(pattern(100, 1));
            heap.position(10).limit(60);
            m.write(0, heap);
            assertThat(heap.position()).isEqualTo(60);
            ByteBuffer direct = ByteBuffer.allocateDirect(50);
            direct.put(pattern(50, 2)).flip();
            m.write(50, direct);
            ByteBuffer back = ByteBuffer.allocate(100);
            f.readFully(0, back);
            assertThat(Arrays.copyOfRange(back.array(), 0, 50)).isEqualTo(Arrays.copyOfRange(pattern(100, 1), 10, 60));
            assertThat(Arrays.copyOfRange(back.array(), 50, 100)).isEqualTo(pattern(50, 2));
        }
    }

    @Test
    void threadsWritingDisjointRangesAllLand() throws Exception {
        int threads = 4;
        int records = 500;
        int recordBytes = 32;
        int size = threads * records * recordBytes;
        try (DiskFile f = preallocated(LocalDisk.INSTANCE, "a", size);
             WriteMapping m = f.mapForWriting(size)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> all = new ArrayList<>();
            List<Throwable> errors = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    try {
                        start.await();
                        for (int r = 0; r < records; r++) {
                            // Interleaved ranges: record r of thread t sits between other threads' records.
                            m.write((long) (r * threads + id) * recordBytes,
                                    ByteBuffer.wrap(pattern(recordBytes, id * 1000 + r)));
                        }
                    } catch (Throwable e) {
                        synchronized (errors) {
                            errors.add(e);
                        }
                    }
                });
                th.start();
                all.add(th);
            }
            start.countDown();
            for (Thread th : all) {
                th.join();
            }
            assertThat(errors).isEmpty();
            m.force();
            byte[] whole = Files.readAllBytes(f.path());
            for (int r = 0; r < records; r++) {
                for (int t = 0; t < threads; t++) {
                    int at = (r * threads + t) * recordBytes;
                    assertThat(Arrays.copyOfRange(whole, at, at + recordBytes)).as("record %d of thread %d", r, t)
                            .isEqualTo(pattern(recordBytes, t * 1000 + r));
                }
            }
        }
    }

    @Test
    void aFileShorterThanTheMappingIsRefusedAndNotGrown() throws IOException {
        for (Disk disk : List.of(LocalDisk.INSTANCE, new SimulatedDisk())) {
            Path d = disk instanceof LocalDisk ? dir : Path.of("/sim");
            disk.createDirectories(d);
            try (DiskFile f = disk.open(d.resolve("short"), OpenMode.CREATE)) {
                f.write(0, ByteBuffer.allocate(1000));
                assertThatThrownBy(() -> f.mapForWriting(1001)).as("%s", disk).isInstanceOf(IOException.class)
                        .hasMessageContaining("short").hasMessageContaining("1000");
                assertThat(f.size()).isEqualTo(1000);
            }
        }
    }

    @Test
    void writesOutsideTheMappingAreRefusedBeforeAnythingIsWritten() throws IOException {
        for (Disk disk : List.of(LocalDisk.INSTANCE, new SimulatedDisk())) {
            Path d = disk instanceof LocalDisk ? dir : Path.of("/sim");
            disk.createDirectories(d);
            try (DiskFile f = disk.open(d.resolve("r"), OpenMode.CREATE)) {
                f.write(0, ByteBuffer.allocate(2 * SIZE));
                try (WriteMapping m = f.mapForWriting(SIZE)) {
                    ByteBuffer src = ByteBuffer.wrap(pattern(10, 3));
                    assertThatThrownBy(() -> m.write(SIZE - 9, src)).as("%s", disk)
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
                    assertThatThrownBy(() -> m.write(-1, src)).isInstanceOf(IllegalArgumentException.class);
                    assertThat(src.position()).isZero();
                    m.write(SIZE - 10, src); // the last ten bytes fit exactly
                }
                ByteBuffer back = ByteBuffer.allocate(20);
                f.readFully(SIZE - 10, back);
                assertThat(Arrays.copyOfRange(back.array(), 0, 10)).isEqualTo(pattern(10, 3));
                assertThat(Arrays.copyOfRange(back.array(), 10, 20)).as("nothing past the mapping").containsOnly(0);
            }
        }
    }

    @Test
    void aClosedMappingRefusesWritesAndForcesAndCloseIsIdempotent() throws IOException {
        for (Disk disk : List.of(LocalDisk.INSTANCE, new SimulatedDisk())) {
            Path d = disk instanceof LocalDisk ? dir : Path.of("/sim");
            disk.createDirectories(d);
            try (DiskFile f = disk.open(d.resolve("c"), OpenMode.CREATE)) {
                f.write(0, ByteBuffer.allocate(SIZE));
                WriteMapping m = f.mapForWriting(SIZE);
                m.close();
                m.close();
                assertThatThrownBy(() -> m.write(0, ByteBuffer.allocate(1))).as("%s", disk)
                        .isInstanceOf(ClosedChannelException.class);
                assertThatThrownBy(m::force).isInstanceOf(ClosedChannelException.class);
                // The file handle itself is still open and usable.
                f.write(0, ByteBuffer.wrap(pattern(4, 1)));
            }
        }
    }

    @Test
    void aCopyIntoAPagePastTheEndOfAFileCutShortIsAnIOExceptionNotACrash() throws IOException {
        assumeTrue(LocalDisk.mapsFiles(), "this JVM does not raise mapping faults inside the write: no mappings");
        try (DiskFile f = preallocated(LocalDisk.INSTANCE, "cut", SIZE);
             WriteMapping m = f.mapForWriting(SIZE)) {
            m.write(0, ByteBuffer.wrap(pattern(100, 1)));
            // Someone else cuts the file under the mapping: the pages past the new end raise SIGBUS when touched.
            try (FileChannel other = FileChannel.open(f.path(), StandardOpenOption.WRITE)) {
                other.truncate(4096);
            }
            assertThatThrownBy(() -> m.write(SIZE - 100, ByteBuffer.wrap(pattern(100, 2))))
                    .isInstanceOf(IOException.class).hasMessageContaining(f.path().toString())
                    .hasMessageContaining("offset " + (SIZE - 100));
            // The mapping still works where the file still is.
            m.write(100, ByteBuffer.wrap(pattern(100, 3)));
            ByteBuffer back = ByteBuffer.allocate(100);
            f.readFully(100, back);
            assertThat(back.array()).isEqualTo(pattern(100, 3));
        }
    }

    @Test
    void closeReleasesTheMappingAtOnce() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "needs Linux's /proc/self/maps");
        assumeTrue(LocalDisk.mapsFiles(), "this JVM does not raise mapping faults inside the write: no mappings");
        try (DiskFile f = preallocated(LocalDisk.INSTANCE, "released-at-close", SIZE)) {
            WriteMapping m = f.mapForWriting(SIZE);
            m.write(0, ByteBuffer.wrap(pattern(10, 1)));
            assertThat(Files.readString(maps)).contains("released-at-close");
            m.close();
            assertThat(Files.readString(maps)).as("no mapping of the file is left").doesNotContain("released-at-close");
        }
    }

    @Test
    void theSimulatedDiskSeesMappedWritesAsUnforcedWritesUntilTheMappingIsForced() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        Path d = Path.of("/sim");
        disk.createDirectories(d);
        Path file = d.resolve("f");
        try (DiskFile f = preallocated(disk, file, SIZE); WriteMapping m = f.mapForWriting(SIZE)) {
            assertThat(m.mapped()).isFalse();
            m.write(0, ByteBuffer.wrap(pattern(512, 1)));
            m.force();
            m.write(512, ByteBuffer.wrap(pattern(512, 2)));
            // The crash keeps forced bytes and may or may not keep the unforced sector: never anything else.
            SimulatedDisk after = disk.crash(42);
            try (DiskFile g = after.open(file, OpenMode.READ)) {
                ByteBuffer back = ByteBuffer.allocate(1024);
                g.readFully(0, back);
                assertThat(Arrays.copyOfRange(back.array(), 0, 512)).isEqualTo(pattern(512, 1));
                byte[] second = Arrays.copyOfRange(back.array(), 512, 1024);
                assertThat(Arrays.equals(second, pattern(512, 2)) || Arrays.equals(second, new byte[512]))
                        .as("the unforced sector is either written or not").isTrue();
            }
        }
    }

    private static DiskFile preallocated(SimulatedDisk disk, Path file, int size) throws IOException {
        DiskFile f = disk.open(file, OpenMode.CREATE_NEW);
        f.write(0, ByteBuffer.allocate(size));
        f.force(true);
        disk.forceDirectory(file.getParent());
        return f;
    }
}
