package io.durakv.api.io;

import static io.durakv.api.io.DiskTestSupport.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of {@link DiskFile#mapForReading}: range arithmetic at the edges of {@code long}, empty and huge files and
 * mappings, faults of short copies once the copy is compiled, and reads into every kind of buffer racing close.
 */
class ReadMappingReviewTest {

    private static final int SIZE = 64 << 10;

    @TempDir
    Path dir;

    private static DiskFile filled(Disk disk, Path file, int size, int salt) throws IOException {
        return ReadMappingTest.filled(disk, file, size, salt);
    }

    @Test
    void rangesWhoseArithmeticOverflowsAreRefused() throws IOException {
        for (Object[] d : ReadMappingTest.disks(dir)) {
            Disk disk = (Disk) d[0];
            try (DiskFile f = filled(disk, ((Path) d[1]).resolve("o"), 1000, 1)) {
                for (long[] bad : new long[][] {{Long.MAX_VALUE, 1}, {1, Long.MAX_VALUE},
                        {Long.MAX_VALUE, Long.MAX_VALUE}, {Long.MIN_VALUE, 10}, {10, Long.MIN_VALUE}}) {
                    assertThatThrownBy(() -> f.mapForReading(bad[0], bad[1])).as("%s %s", disk, Arrays.toString(bad))
                            .isInstanceOf(IllegalArgumentException.class);
                }
                assertThatThrownBy(() -> f.mapForReading(999, 2)).isInstanceOf(IOException.class);
                try (ReadMapping m = f.mapForReading(10, 990)) {
                    byte[] b = new byte[16];
                    for (long at : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 8, Long.MIN_VALUE, -1, 9, 995,
                            Long.MIN_VALUE + 10}) {
                        assertThatThrownBy(() -> m.read(at, b, 0, 8)).as("%s at %d", disk, at)
                                .isInstanceOf(IllegalArgumentException.class);
                        assertThatThrownBy(() -> m.read(at, ByteBuffer.allocate(8))).as("%s at %d", disk, at)
                                .isInstanceOf(IllegalArgumentException.class);
                    }
                    assertThatThrownBy(() -> m.read(10, b, -1, 8)).isInstanceOf(IndexOutOfBoundsException.class);
                    assertThatThrownBy(() -> m.read(10, b, Integer.MAX_VALUE, 8))
                            .isInstanceOf(IndexOutOfBoundsException.class);
                    assertThatThrownBy(() -> m.read(10, b, 0, -1)).isInstanceOf(RuntimeException.class);
                    m.read(1000, b, 0, 0); // an empty read at the end
                    m.read(992, b, 0, 8);
                    assertThat(Arrays.copyOf(b, 8)).isEqualTo(Arrays.copyOfRange(pattern(1000, 1), 992, 1000));
                }
            }
        }
    }

    @Test
    void anEmptyFileGivesAnEmptyMappingThatRefusesEveryNonEmptyRead() throws IOException {
        for (Object[] d : ReadMappingTest.disks(dir)) {
            Disk disk = (Disk) d[0];
            try (DiskFile f = disk.open(((Path) d[1]).resolve("empty"), OpenMode.CREATE_NEW);
                 ReadMapping m = f.mapForReading(0, 0)) {
                assertThat(m.size()).isZero();
                m.read(0, ByteBuffer.allocate(0));
                assertThatThrownBy(() -> m.read(0, new byte[1], 0, 1)).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> f.mapForReading(0, 1)).isInstanceOf(IOException.class);
            }
        }
    }

    /**
     * A sparse file past 2 GiB: a mapping over more than Integer.MAX_VALUE - 8 bytes reads through the handle; one of
     * exactly that many at an unaligned offset is mapped where the disk maps reads; all read the last bytes.
     */
    @Test
    void hugeRangesReadTheirLastBytes() throws IOException {
        long fileSize = (3L << 30) + 7;
        try (DiskFile f = LocalDisk.INSTANCE.open(dir.resolve("huge"), OpenMode.CREATE_NEW)) {
            f.write(fileSize - 4, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
            f.write(12345, ByteBuffer.wrap(new byte[] {9}));
            try (ReadMapping all = f.mapForReading(0, fileSize)) {
                assertThat(all.mapped()).isFalse();
                byte[] b = new byte[4];
                all.read(fileSize - 4, b, 0, 4);
                assertThat(b).containsExactly(1, 2, 3, 4);
            }
            // The foreign memory API wraps at most Integer.MAX_VALUE - 8 bytes as a ByteBuffer: a mapping of more was
            // an IllegalStateException out of mapForReading; it reads through the handle instead.
            long start = fileSize - Integer.MAX_VALUE;
            try (ReadMapping max = f.mapForReading(start, Integer.MAX_VALUE)) {
                assertThat(max.mapped()).isFalse();
                assertThat(max.size()).isEqualTo(Integer.MAX_VALUE);
                byte[] b = new byte[4];
                max.read(fileSize - 4, b, 0, 4);
                assertThat(b).containsExactly(1, 2, 3, 4);
            }
            // A write mapping of as much is refused with an IOException (it was that IllegalStateException).
            assertThatThrownBy(() -> f.mapForWriting(Integer.MAX_VALUE)).isInstanceOf(IOException.class)
                    .hasMessageContaining("at most");
            start = fileSize - (Integer.MAX_VALUE - 8);
            try (ReadMapping max = f.mapForReading(start, Integer.MAX_VALUE - 8)) {
                assertThat(max.mapped()).isEqualTo(LocalDisk.mapsReads());
                assertThat(max.size()).isEqualTo(Integer.MAX_VALUE - 8);
                byte[] b = new byte[4];
                max.read(fileSize - 4, b, 0, 4);
                assertThat(b).containsExactly(1, 2, 3, 4);
                max.read(start, b, 0, 1);
                assertThat(b[0]).isZero();
                assertThatThrownBy(() -> max.read(fileSize - 3, new byte[4], 0, 4))
                        .isInstanceOf(IllegalArgumentException.class);
            }
            try (ReadMapping low = f.mapForReading(12000, 1000)) {
                byte[] b = new byte[1];
                low.read(12345, b, 0, 1);
                assertThat(b[0]).isEqualTo((byte) 9);
            }
        }
    }

    /**
     * Faults of copies of every small length, into arrays, heap and direct buffers, after the copy was compiled: each is
     * that read's IOException, and none is raised later on the thread (the JVM raises a fault in a compiled copy at the
     * thread's next transition).
     */
    @Test
    void faultsOfShortCompiledCopiesAreRaisedInTheReadThatFaulted() throws Exception {
        try (DiskFile f = filled(LocalDisk.INSTANCE, dir.resolve("cut"), SIZE, 4);
             ReadMapping m = f.mapForReading(0, SIZE)) {
            byte[] expected = pattern(SIZE, 4);
            byte[] b = new byte[64];
            ByteBuffer heap = ByteBuffer.allocate(64);
            ByteBuffer direct = ByteBuffer.allocateDirect(64);
            for (int i = 0; i < 50_000; i++) {
                int len = 1 + i % 40;
                int at = (i * 131) % (SIZE - 64);
                m.read(at, b, 0, len);
                heap.clear().limit(len);
                m.read(at, heap);
                direct.clear().limit(len);
                m.read(at, direct);
            }
            assertThat(Arrays.copyOf(b, 8)).isEqualTo(Arrays.copyOfRange(expected, 49_999 * 131 % (SIZE - 64),
                    49_999 * 131 % (SIZE - 64) + 8));
            try (FileChannel other = FileChannel.open(f.path(), StandardOpenOption.WRITE)) {
                other.truncate(8192);
            }
            for (int round = 0; round < 200; round++) {
                int len = 1 + round % 40;
                int at = SIZE - 64 - round * 7;
                assertThatThrownBy(() -> m.read(at, b, 0, len)).as("array, %d bytes", len)
                        .isInstanceOf(IOException.class).isNotInstanceOf(ClosedChannelException.class);
                heap.clear().limit(len);
                assertThatThrownBy(() -> m.read(at, heap)).as("heap, %d bytes", len)
                        .isInstanceOf(IOException.class);
                direct.clear().limit(len);
                assertThatThrownBy(() -> m.read(at, direct)).as("direct, %d bytes", len)
                        .isInstanceOf(IOException.class);
                // No fault is left pending for a later call on this thread.
                Thread.sleep(0);
                m.read(100, b, 0, len);
                assertThat(Arrays.copyOf(b, len)).isEqualTo(Arrays.copyOfRange(expected, 100, 100 + len));
            }
        }
    }

    /** Reads into arrays, heap and direct buffers racing close: the right bytes or ClosedChannelException. */
    @Test
    void readsIntoEveryKindOfBufferRacingCloseReadRightBytesOrThrowClosedChannelException() throws Exception {
        assumeTrue(LocalDisk.mapsReads(), "this JVM gets no read mappings");
        byte[] expected = pattern(SIZE, 6);
        for (int round = 0; round < 40; round++) {
            try (DiskFile f = filled(LocalDisk.INSTANCE, dir.resolve("race" + round), SIZE, 6)) {
                ReadMapping m = f.mapForReading(0, SIZE);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                CyclicBarrier start = new CyclicBarrier(4);
                List<Thread> ts = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    int kind = t;
                    ts.add(new Thread(() -> {
                        ThreadLocalRandom random = ThreadLocalRandom.current();
                        ByteBuffer buf = kind == 0 ? ByteBuffer.allocate(SIZE) : ByteBuffer.allocateDirect(SIZE);
                        byte[] got = new byte[SIZE];
                        try {
                            start.await();
                            while (true) {
                                int len = 1 + random.nextInt(kind == 2 ? SIZE : 512);
                                int at = random.nextInt(SIZE - len + 1);
                                if (kind == 0) {
                                    m.read(at, got, 0, len);
                                } else {
                                    buf.clear().limit(len);
                                    m.read(at, buf);
                                    buf.flip().get(got, 0, len);
                                }
                                if (!Arrays.equals(got, 0, len, expected, at, at + len)) {
                                    throw new AssertionError("wrong bytes at " + at + ", " + len);
                                }
                            }
                        } catch (ClosedChannelException closed) {
                            // the mapping closed
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    }));
                }
                ts.forEach(Thread::start);
                start.await();
                Thread.sleep(round % 4);
                m.close();
                for (Thread t : ts) {
                    t.join(10_000);
                    assertThat(t.isAlive()).isFalse();
                }
                assertThat(failure.get()).isNull();
            }
        }
    }
    /**
     * Each mapping takes one of the process's memory-map areas (vm.max_map_count, 65 530 by default), which the JVM
     * needs too: past LocalReadMapping.MAX_OPEN open at once, mappings read through the handle; closing one frees a
     * place.
     */
    @Test
    void pastTheCapOfOpenMappingsReadsGoThroughTheHandle() throws IOException {
        assumeTrue(LocalDisk.mapsReads(), "this JVM gets no read mappings");
        List<ReadMapping> open = new ArrayList<>();
        try (DiskFile f = filled(LocalDisk.INSTANCE, dir.resolve("many"), 8192, 7)) {
            try {
                ReadMapping last = null;
                for (int i = 0; i <= LocalReadMapping.MAX_OPEN; i++) {
                    last = f.mapForReading(i % 4096, 4096);
                    open.add(last);
                    if (!last.mapped()) {
                        break;
                    }
                }
                assertThat(last.mapped()).as("a mapping past the cap").isFalse();
                assertThat(open.stream().filter(ReadMapping::mapped).count())
                        .isGreaterThan(LocalReadMapping.MAX_OPEN - 100).isLessThanOrEqualTo(LocalReadMapping.MAX_OPEN);
                byte[] b = new byte[10];
                last.read(last.position() + 100, b, 0, 10);
                assertThat(b).isEqualTo(Arrays.copyOfRange(pattern(8192, 7), (int) last.position() + 100,
                        (int) last.position() + 110));
                open.get(0).close();
                try (ReadMapping again = f.mapForReading(0, 4096)) {
                    assertThat(again.mapped()).as("a place freed by a close").isTrue();
                }
            } finally {
                open.forEach(ReadMapping::close);
            }
        }
    }
    /**
     * FileChannel.map on a thread interrupted during the call throws ClosedByInterruptException after making the
     * mapping, and never releases it: mappings made by a thread interrupted at random must all be gone once closed.
     */
    @Test
    void mappingsMadeByAThreadInterruptedAtRandomAreAllReleased() throws Exception {
        assumeTrue(LocalDisk.mapsReads(), "this JVM gets no read mappings");
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(java.nio.file.Files.isReadable(maps), "needs Linux's /proc/self/maps");
        Path file = dir.resolve("interrupted-maps");
        filled(LocalDisk.INSTANCE, file, SIZE, 8).close();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
        Thread mapper = new Thread(() -> {
            long end = System.nanoTime() + 1_500_000_000L;
            while (System.nanoTime() < end) {
                try (DiskFile f = LocalDisk.INSTANCE.open(file, OpenMode.READ);
                     ReadMapping m = f.mapForReading(0, SIZE)) {
                    made.incrementAndGet();
                } catch (ClosedChannelException interrupted) {
                    // the interrupt closed the handle (size, or the open)
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    return;
                }
                Thread.interrupted();
            }
        });
        mapper.start();
        while (mapper.isAlive()) {
            mapper.interrupt();
            Thread.sleep(0, 50_000);
        }
        assertThat(failure.get()).isNull();
        assertThat(made.get()).isPositive();
        assertThat(java.nio.file.Files.readString(maps)).doesNotContain("interrupted-maps");
    }
}
