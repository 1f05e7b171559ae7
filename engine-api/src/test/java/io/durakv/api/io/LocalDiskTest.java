package io.durakv.api.io;

import static io.durakv.api.io.DiskTestSupport.filled;
import static io.durakv.api.io.DiskTestSupport.pattern;
import static io.durakv.api.io.DiskTestSupport.readFile;
import static io.durakv.api.io.DiskTestSupport.writeFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LocalDisk} keeps the {@link Disk} promises on the real file system. */
class LocalDiskTest {

    private final Disk disk = LocalDisk.INSTANCE;

    @TempDir
    Path dir;

    @Test
    void readAndReadWriteRequireAnExistingFile() {
        Path file = dir.resolve("missing");
        assertThatThrownBy(() -> disk.open(file, OpenMode.READ)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> disk.open(file, OpenMode.READ_WRITE)).isInstanceOf(NoSuchFileException.class);
        assertThat(Files.exists(file)).isFalse();
    }

    @Test
    void createMakesAMissingFileAndOpensAnExistingOne() throws IOException {
        Path file = dir.resolve("a");
        try (DiskFile f = disk.open(file, OpenMode.CREATE)) {
            f.write(0, ByteBuffer.wrap(filled(3, 1)));
        }
        try (DiskFile f = disk.open(file, OpenMode.CREATE)) {
            assertThat(f.size()).as("CREATE does not truncate").isEqualTo(3);
            assertThat(f.path()).isEqualTo(file);
        }
    }

    @Test
    void createNewFailsIfTheFileExists() throws IOException {
        Path file = dir.resolve("a");
        disk.open(file, OpenMode.CREATE_NEW).close();
        assertThat(Files.exists(file)).isTrue();
        assertThatThrownBy(() -> disk.open(file, OpenMode.CREATE_NEW)).isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void readModeRefusesWrites() throws IOException {
        Path file = dir.resolve("a");
        writeFile(disk, file, filled(4, 1), false);
        try (DiskFile f = disk.open(file, OpenMode.READ)) {
            assertThatThrownBy(() -> f.write(0, ByteBuffer.wrap(filled(1, 2))))
                    .isInstanceOf(NonWritableChannelException.class);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(filled(4, 1));
    }

    @Test
    void positionalReadsAndWrites() throws IOException {
        Path file = dir.resolve("a");
        try (DiskFile f = disk.open(file, OpenMode.CREATE)) {
            f.write(0, ByteBuffer.wrap(pattern(100, 0)));
            f.write(50, ByteBuffer.wrap(filled(10, 9)));
            f.write(200, ByteBuffer.wrap(filled(5, 8)));
            assertThat(f.size()).isEqualTo(205);
            ByteBuffer buf = ByteBuffer.allocate(10);
            f.readFully(50, buf);
            assertThat(buf.array()).isEqualTo(filled(10, 9));
            ByteBuffer gap = ByteBuffer.allocate(100);
            f.readFully(100, gap);
            assertThat(gap.array()).as("a gap reads as zeros").isEqualTo(new byte[100]);
            assertThat(f.read(205, ByteBuffer.allocate(1))).isEqualTo(-1);
            assertThatThrownBy(() -> f.readFully(200, ByteBuffer.allocate(10))).isInstanceOf(EOFException.class);
        }
        byte[] expected = new byte[205];
        System.arraycopy(pattern(100, 0), 0, expected, 0, 100);
        Arrays.fill(expected, 50, 60, (byte) 9);
        Arrays.fill(expected, 200, 205, (byte) 8);
        assertThat(Files.readAllBytes(file)).isEqualTo(expected);
    }

    @Test
    void appendReturnsThePositionItWroteAt() throws IOException {
        try (DiskFile f = disk.open(dir.resolve("log"), OpenMode.CREATE)) {
            assertThat(f.append(ByteBuffer.wrap(filled(10, 1)))).isZero();
            assertThat(f.append(ByteBuffer.wrap(filled(7, 2)))).isEqualTo(10);
            f.force(false);
            assertThat(f.size()).isEqualTo(17);
        }
    }

    @Test
    void truncateCutsButNeverGrows() throws IOException {
        Path file = dir.resolve("a");
        writeFile(disk, file, filled(100, 1), true);
        try (DiskFile f = disk.open(file, OpenMode.READ_WRITE)) {
            f.truncate(40);
            assertThat(f.size()).isEqualTo(40);
            f.truncate(1000);
            assertThat(f.size()).isEqualTo(40);
            f.force(true);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(filled(40, 1));
    }

    @Test
    void closedHandleFailsAndCloseIsIdempotent() throws IOException {
        DiskFile f = disk.open(dir.resolve("a"), OpenMode.CREATE);
        f.close();
        f.close();
        assertThatThrownBy(() -> f.read(0, ByteBuffer.allocate(1))).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> f.write(0, ByteBuffer.allocate(1))).isInstanceOf(ClosedChannelException.class);
    }

    @Test
    void listIsSortedNamesAndFailsForAMissingDirectory() throws IOException {
        for (String name : new String[]{"b", "c", "a", "a1"}) {
            disk.open(dir.resolve(name), OpenMode.CREATE).close();
        }
        assertThat(disk.list(dir)).containsExactly("a", "a1", "b", "c");
        assertThatThrownBy(() -> disk.list(dir.resolve("missing"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void renameMovesAndReplacesTheTarget() throws IOException {
        writeFile(disk, dir.resolve("new.tmp"), filled(5, 2), true);
        writeFile(disk, dir.resolve("CURRENT"), filled(3, 1), true);
        disk.rename(dir.resolve("new.tmp"), dir.resolve("CURRENT"));
        disk.forceDirectory(dir);
        assertThat(disk.list(dir)).containsExactly("CURRENT");
        assertThat(readFile(disk, dir.resolve("CURRENT"))).isEqualTo(filled(5, 2));
        assertThatThrownBy(() -> disk.rename(dir.resolve("new.tmp"), dir.resolve("x")))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void deleteRemovesAndFailsForMissingOrNonEmpty() throws IOException {
        Path file = dir.resolve("a");
        writeFile(disk, file, filled(1, 1), false);
        assertThatThrownBy(() -> disk.delete(dir)).isInstanceOf(DirectoryNotEmptyException.class);
        disk.delete(file);
        assertThat(disk.exists(file)).isFalse();
        assertThatThrownBy(() -> disk.delete(file)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void deleteIfExistsReportsWhetherItExisted() throws IOException {
        Path file = dir.resolve("a");
        writeFile(disk, file, filled(1, 1), false);
        assertThat(disk.deleteIfExists(file)).isTrue();
        assertThat(disk.deleteIfExists(file)).isFalse();
        assertThat(disk.exists(file)).isFalse();
    }

    @Test
    void createDirectoriesMakesNestedDirectories() throws IOException {
        Path nested = dir.resolve("x/y/z");
        disk.createDirectories(nested);
        disk.createDirectories(nested);
        assertThat(disk.isDirectory(nested)).isTrue();
        assertThat(disk.isDirectory(dir.resolve("x"))).isTrue();
        assertThat(disk.exists(nested)).isTrue();
        writeFile(disk, dir.resolve("f"), filled(1, 1), false);
        assertThat(disk.isDirectory(dir.resolve("f"))).isFalse();
        assertThatThrownBy(() -> disk.createDirectories(dir.resolve("f/g"))).isInstanceOf(IOException.class);
    }

    @Test
    void forceDirectorySucceedsOnAnExistingDirectory() throws IOException {
        disk.open(dir.resolve("a"), OpenMode.CREATE).close();
        disk.forceDirectory(dir);
        assertThat(disk.list(dir)).containsExactly("a");
        assertThatThrownBy(() -> disk.forceDirectory(dir.resolve("missing"))).isInstanceOf(IOException.class);
    }

    @Test
    void tryLockExcludesASecondLockInThisJvmUntilClosed() throws IOException {
        Path lockFile = dir.resolve("LOCK");
        DiskLock first = disk.tryLock(lockFile);
        assertThat(first).isNotNull();
        assertThat(Files.exists(lockFile)).isTrue();
        assertThat(disk.tryLock(lockFile)).isNull();
        first.close();
        first.close();
        DiskLock second = disk.tryLock(lockFile);
        assertThat(second).isNotNull();
        second.close();
    }

    @Test
    void toStringNamesTheDisk() {
        assertThat(disk.toString()).isEqualTo("LocalDisk");
    }
}
