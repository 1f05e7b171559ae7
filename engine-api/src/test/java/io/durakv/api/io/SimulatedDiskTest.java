package io.durakv.api.io;

import static io.durakv.api.io.DiskTestSupport.filled;
import static io.durakv.api.io.DiskTestSupport.pattern;
import static io.durakv.api.io.DiskTestSupport.readFile;
import static io.durakv.api.io.DiskTestSupport.writeFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The file and directory semantics of {@link SimulatedDisk} without crashes: what a {@link Disk} promises. */
class SimulatedDiskTest {

    private final Path dir = Path.of("/db");
    private SimulatedDisk disk;

    @BeforeEach
    void setUp() throws IOException {
        disk = new SimulatedDisk();
        disk.createDirectories(dir);
    }

    @Test
    void newDiskHasAnEmptyRoot() throws IOException {
        SimulatedDisk empty = new SimulatedDisk();
        Path root = Path.of("/");
        assertThat(empty.isDirectory(root)).isTrue();
        assertThat(empty.list(root)).isEmpty();
        assertThat(empty.exists(dir)).isFalse();
    }

    @Test
    void writtenBytesReadBack() throws IOException {
        byte[] data = pattern(10_000, 3);
        writeFile(disk, dir.resolve("a"), data, false);
        assertThat(readFile(disk, dir.resolve("a"))).isEqualTo(data);
        assertThat(disk.content(dir.resolve("a"))).isEqualTo(data);
    }

    @Test
    void positionalWritesOverwriteInPlace() throws IOException {
        Path file = dir.resolve("a");
        writeFile(disk, file, filled(9000, 1), false);
        try (DiskFile f = disk.open(file, OpenMode.READ_WRITE)) {
            f.write(4090, ByteBuffer.wrap(filled(20, 2))); // across a page boundary
            assertThat(f.size()).isEqualTo(9000);
        }
        byte[] expected = filled(9000, 1);
        Arrays.fill(expected, 4090, 4110, (byte) 2);
        assertThat(disk.content(file)).isEqualTo(expected);
    }

    @Test
    void writesPastTheEndFillTheGapWithZeros() throws IOException {
        Path file = dir.resolve("a");
        try (DiskFile f = disk.open(file, OpenMode.CREATE)) {
            f.write(0, ByteBuffer.wrap(filled(10, 7)));
            f.write(20_000, ByteBuffer.wrap(filled(5, 9)));
            assertThat(f.size()).isEqualTo(20_005);
        }
        byte[] expected = new byte[20_005];
        Arrays.fill(expected, 0, 10, (byte) 7);
        Arrays.fill(expected, 20_000, 20_005, (byte) 9);
        assertThat(disk.content(file)).isEqualTo(expected);
    }

    @Test
    void emptyWriteDoesNotGrowTheFile() throws IOException {
        try (DiskFile f = disk.open(dir.resolve("a"), OpenMode.CREATE)) {
            f.write(100, ByteBuffer.allocate(0));
            assertThat(f.size()).isZero();
        }
    }

    @Test
    void appendWritesAtTheEndAndReturnsThePosition() throws IOException {
        try (DiskFile f = disk.open(dir.resolve("a"), OpenMode.CREATE)) {
            assertThat(f.append(ByteBuffer.wrap(filled(100, 1)))).isZero();
            assertThat(f.append(ByteBuffer.wrap(filled(5000, 2)))).isEqualTo(100);
            assertThat(f.append(ByteBuffer.wrap(filled(1, 3)))).isEqualTo(5100);
            assertThat(f.size()).isEqualTo(5101);
        }
    }

    @Test
    void readReturnsMinusOneAtEndOfFileAndAtMostTheRemainingBytes() throws IOException {
        writeFile(disk, dir.resolve("a"), pattern(100, 0), false);
        try (DiskFile f = disk.open(dir.resolve("a"), OpenMode.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(64);
            assertThat(f.read(90, buf)).isEqualTo(10);
            assertThat(Arrays.copyOf(buf.array(), 10)).isEqualTo(Arrays.copyOfRange(pattern(100, 0), 90, 100));
            assertThat(f.read(100, ByteBuffer.allocate(8))).isEqualTo(-1);
            assertThat(f.read(5000, ByteBuffer.allocate(8))).isEqualTo(-1);
            assertThatThrownBy(() -> f.readFully(95, ByteBuffer.allocate(10)))
                    .isInstanceOf(java.io.EOFException.class);
        }
    }

    @Test
    void truncateCutsAndALaterGrowthReadsZeros() throws IOException {
        Path file = dir.resolve("a");
        writeFile(disk, file, filled(10_000, 5), false);
        try (DiskFile f = disk.open(file, OpenMode.READ_WRITE)) {
            f.truncate(5000);
            assertThat(f.size()).isEqualTo(5000);
            f.truncate(8000); // not larger: does nothing
            assertThat(f.size()).isEqualTo(5000);
            f.write(9000, ByteBuffer.wrap(filled(1, 6)));
        }
        byte[] expected = new byte[9001];
        Arrays.fill(expected, 0, 5000, (byte) 5);
        expected[9000] = 6;
        assertThat(disk.content(file)).isEqualTo(expected);
    }

    @Test
    void openModesCreateOrRequireTheFile() throws IOException {
        Path file = dir.resolve("a");
        assertThatThrownBy(() -> disk.open(file, OpenMode.READ)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> disk.open(file, OpenMode.READ_WRITE)).isInstanceOf(NoSuchFileException.class);
        disk.open(file, OpenMode.CREATE_NEW).close();
        assertThatThrownBy(() -> disk.open(file, OpenMode.CREATE_NEW))
                .isInstanceOf(FileAlreadyExistsException.class);
        disk.open(file, OpenMode.CREATE).close();
        disk.open(file, OpenMode.READ).close();
        assertThat(disk.list(dir)).containsExactly("a");
    }

    @Test
    void createInAMissingDirectoryFails() {
        assertThatThrownBy(() -> disk.open(Path.of("/missing/a"), OpenMode.CREATE))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void writingThroughAReadHandleFails() throws IOException {
        writeFile(disk, dir.resolve("a"), filled(10, 1), false);
        try (DiskFile f = disk.open(dir.resolve("a"), OpenMode.READ)) {
            assertThatThrownBy(() -> f.write(0, ByteBuffer.wrap(filled(1, 2))))
                    .isInstanceOf(NonWritableChannelException.class);
            assertThatThrownBy(() -> f.append(ByteBuffer.wrap(filled(1, 2))))
                    .isInstanceOf(NonWritableChannelException.class);
            assertThatThrownBy(() -> f.truncate(0)).isInstanceOf(NonWritableChannelException.class);
        }
        assertThat(disk.content(dir.resolve("a"))).isEqualTo(filled(10, 1));
    }

    @Test
    void closedHandleFailsAndCloseIsIdempotent() throws IOException {
        DiskFile f = disk.open(dir.resolve("a"), OpenMode.CREATE);
        f.close();
        f.close();
        assertThatThrownBy(() -> f.read(0, ByteBuffer.allocate(1))).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> f.write(0, ByteBuffer.allocate(1))).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> f.append(ByteBuffer.allocate(1))).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> f.force(true)).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> f.truncate(0)).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(f::size).isInstanceOf(ClosedChannelException.class);
    }

    @Test
    void handlesKeepWorkingAfterTheirNameIsDeleted() throws IOException {
        Path file = dir.resolve("a");
        try (DiskFile f = disk.open(file, OpenMode.CREATE)) {
            f.write(0, ByteBuffer.wrap(filled(10, 1)));
            disk.delete(file);
            assertThat(disk.exists(file)).isFalse();
            f.append(ByteBuffer.wrap(filled(10, 2)));
            f.force(true);
            ByteBuffer buf = ByteBuffer.allocate(20);
            f.readFully(0, buf);
            assertThat(buf.array()).isEqualTo(DiskTestSupport.concat(filled(10, 1), filled(10, 2)));
        }
        // A new file of the same name is a different file.
        disk.open(file, OpenMode.CREATE_NEW).close();
        assertThat(disk.content(file)).isEmpty();
    }

    @Test
    void handlesFollowTheFileAcrossARename() throws IOException {
        try (DiskFile f = disk.open(dir.resolve("a"), OpenMode.CREATE)) {
            disk.rename(dir.resolve("a"), dir.resolve("b"));
            f.write(0, ByteBuffer.wrap(filled(3, 4)));
        }
        assertThat(disk.content(dir.resolve("b"))).isEqualTo(filled(3, 4));
    }

    @Test
    void renameReplacesTheTargetAndWorksAcrossDirectories() throws IOException {
        disk.createDirectories(dir.resolve("sub"));
        writeFile(disk, dir.resolve("a"), filled(3, 1), false);
        writeFile(disk, dir.resolve("sub/b"), filled(4, 2), false);
        disk.rename(dir.resolve("a"), dir.resolve("sub/b"));
        assertThat(disk.list(dir)).containsExactly("sub");
        assertThat(disk.content(dir.resolve("sub/b"))).isEqualTo(filled(3, 1));
    }

    @Test
    void renameErrors() throws IOException {
        assertThatThrownBy(() -> disk.rename(dir.resolve("missing"), dir.resolve("b")))
                .isInstanceOf(NoSuchFileException.class);
        writeFile(disk, dir.resolve("a"), filled(3, 1), false);
        assertThatThrownBy(() -> disk.rename(dir.resolve("a"), Path.of("/nowhere/b")))
                .isInstanceOf(NoSuchFileException.class);
        disk.createDirectories(dir.resolve("full/x"));
        assertThatThrownBy(() -> disk.rename(dir.resolve("a"), dir.resolve("full")))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> disk.rename(dir.resolve("full"), dir.resolve("full/x/y")))
                .isInstanceOf(IOException.class);
        assertThat(disk.list(dir)).containsExactly("a", "full");
    }

    @Test
    void renameOfADirectoryMovesItsEntries() throws IOException {
        disk.createDirectories(dir.resolve("d"));
        writeFile(disk, dir.resolve("d/f"), filled(2, 1), false);
        disk.rename(dir.resolve("d"), dir.resolve("e"));
        assertThat(disk.list(dir)).containsExactly("e");
        assertThat(disk.content(dir.resolve("e/f"))).isEqualTo(filled(2, 1));
    }

    @Test
    void deleteErrorsAndDeleteIfExists() throws IOException {
        assertThatThrownBy(() -> disk.delete(dir.resolve("a"))).isInstanceOf(NoSuchFileException.class);
        assertThat(disk.deleteIfExists(dir.resolve("a"))).isFalse();
        writeFile(disk, dir.resolve("a"), filled(1, 1), false);
        assertThatThrownBy(() -> disk.delete(dir)).isInstanceOf(DirectoryNotEmptyException.class);
        assertThat(disk.deleteIfExists(dir.resolve("a"))).isTrue();
        disk.delete(dir);
        assertThat(disk.exists(dir)).isFalse();
    }

    @Test
    void listIsSortedAndFailsForMissingDirectoriesAndFiles() throws IOException {
        for (String name : List.of("c", "a", "b10", "b2")) {
            disk.open(dir.resolve(name), OpenMode.CREATE).close();
        }
        assertThat(disk.list(dir)).containsExactly("a", "b10", "b2", "c");
        assertThatThrownBy(() -> disk.list(Path.of("/missing"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> disk.list(dir.resolve("a"))).isInstanceOf(NotDirectoryException.class);
        assertThatThrownBy(() -> disk.forceDirectory(Path.of("/missing"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void createDirectoriesMakesNestedDirectoriesAndRejectsAFileInTheWay() throws IOException {
        disk.createDirectories(dir.resolve("x/y/z"));
        disk.createDirectories(dir.resolve("x/y/z")); // already there: nothing to do
        assertThat(disk.isDirectory(dir.resolve("x/y/z"))).isTrue();
        assertThat(disk.isDirectory(dir.resolve("x/y"))).isTrue();
        writeFile(disk, dir.resolve("f"), filled(1, 1), false);
        assertThat(disk.isDirectory(dir.resolve("f"))).isFalse();
        assertThatThrownBy(() -> disk.createDirectories(dir.resolve("f/g")))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> disk.open(dir.resolve("x"), OpenMode.READ)).isInstanceOf(IOException.class);
    }

    @Test
    void pathsAreNormalisedAndMadeAbsolute() throws IOException {
        Path unnormalised = Path.of("/db/sub/../a");
        writeFile(disk, unnormalised, filled(2, 1), false);
        assertThat(disk.list(dir)).containsExactly("a");
        try (DiskFile f = disk.open(unnormalised, OpenMode.READ)) {
            assertThat(f.path()).as("as given, like LocalDisk").isEqualTo(unnormalised);
        }
        Path relative = Path.of("rel");
        disk.createDirectories(relative);
        assertThat(disk.isDirectory(relative.toAbsolutePath())).isTrue();
    }

    @Test
    void secondTryLockFailsUntilTheFirstIsClosed() throws IOException {
        Path lockFile = dir.resolve("LOCK");
        DiskLock first = disk.tryLock(lockFile);
        assertThat(first).isNotNull();
        assertThat(disk.exists(lockFile)).isTrue();
        assertThat(disk.tryLock(lockFile)).isNull();
        first.close();
        first.close();
        DiskLock again = disk.tryLock(lockFile);
        assertThat(again).isNotNull();
        again.close();
    }

    @Test
    void locksAreNotCarriedIntoACrashImage() throws IOException {
        Path lockFile = dir.resolve("LOCK");
        try (DiskLock lock = disk.tryLock(lockFile)) {
            assertThat(lock).isNotNull();
            disk.forceDirectory(dir);
            try (DiskLock other = disk.crash(1).tryLock(lockFile)) {
                assertThat(other).isNotNull();
            }
        }
    }

    @Test
    void callsAreCountedByKind() throws IOException {
        SimulatedDisk d = new SimulatedDisk();
        d.createDirectories(Path.of("/a/b")); // 2 MKDIR, then a FORCE_DIRECTORY of "/" and of "/a"
        assertThat(d.calls(DiskOp.MKDIR)).isEqualTo(2);
        assertThat(d.calls(DiskOp.FORCE_DIRECTORY)).isEqualTo(2);
        try (DiskFile f = d.open(Path.of("/a/b/f"), OpenMode.CREATE)) {
            f.write(0, ByteBuffer.wrap(filled(10, 1)));
            f.append(ByteBuffer.wrap(filled(10, 1)));
            f.force(false);
            f.truncate(5);
            f.read(0, ByteBuffer.allocate(5));
            f.size();
        }
        d.open(Path.of("/a/b/f"), OpenMode.CREATE).close();
        d.rename(Path.of("/a/b/f"), Path.of("/a/b/g"));
        d.list(Path.of("/a/b"));
        d.delete(Path.of("/a/b/g"));
        d.deleteIfExists(Path.of("/a/b/g"));
        d.tryLock(Path.of("/a/LOCK")).close();
        assertThat(d.calls(DiskOp.CREATE)).isEqualTo(2);
        assertThat(d.calls(DiskOp.OPEN)).isEqualTo(1);
        assertThat(d.calls(DiskOp.WRITE)).isEqualTo(2);
        assertThat(d.calls(DiskOp.FORCE)).isEqualTo(1);
        assertThat(d.calls(DiskOp.TRUNCATE)).isEqualTo(1);
        assertThat(d.calls(DiskOp.READ)).isEqualTo(1);
        assertThat(d.calls(DiskOp.LIST)).isEqualTo(2);
        assertThat(d.calls(DiskOp.RENAME)).isEqualTo(1);
        assertThat(d.calls(DiskOp.DELETE)).isEqualTo(1);
        assertThat(d.calls(DiskOp.LOCK)).isEqualTo(1);
        assertThat(d.mutatingCalls()).isEqualTo(2 + 2 + 2 + 2 + 1 + 1 + 1 + 1);
    }

    @Test
    void describeListsSizesDirtyPagesAndUnforcedEntries() throws IOException {
        writeFile(disk, dir.resolve("forced"), filled(5000, 1), true);
        disk.forceDirectory(dir);
        DiskTestSupport.append(disk, dir.resolve("forced"), filled(5000, 2), false);
        writeFile(disk, dir.resolve("gone"), filled(1, 1), false);
        disk.forceDirectory(dir);
        disk.delete(dir.resolve("gone"));
        disk.open(dir.resolve("new"), OpenMode.CREATE).close();
        String description = disk.describe();
        assertThat(description)
                .startsWith("SimulatedDisk[mutatingCalls=")
                .contains("/db/forced  size=10000 durableSize=5000 dirtyPages=2")
                .contains("/db/new  size=0 durableSize=0 dirtyPages=0  [new name, directory not forced]")
                .contains("/db/gone  [deleted, directory not forced]");
        assertThat(disk.toString()).contains("mutatingCalls=").contains("poweredOff=false");
    }

    @Test
    void contentOfAMissingFileFails() {
        assertThatThrownBy(() -> disk.content(dir.resolve("x"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> disk.durableContent(dir.resolve("x"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void concurrentAppendsOnOneHandleNeverOverlap() throws Exception {
        int threads = 4;
        int appends = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (DiskFile f = disk.open(dir.resolve("log"), OpenMode.CREATE)) {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int value = t + 1;
                results.add(pool.submit(() -> {
                    List<Long> positions = new ArrayList<>();
                    for (int i = 0; i < appends; i++) {
                        positions.add(f.append(ByteBuffer.wrap(filled(100, value))));
                    }
                    return positions;
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> r : results) {
                all.addAll(r.get());
            }
            byte[] content = disk.content(dir.resolve("log"));
            assertThat(content).hasSize(threads * appends * 100);
            assertThat(all).doesNotHaveDuplicates().allMatch(p -> p % 100 == 0);
            for (long p : all) {
                byte first = content[(int) p];
                for (int i = 1; i < 100; i++) {
                    assertThat(content[(int) p + i]).isEqualTo(first);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
