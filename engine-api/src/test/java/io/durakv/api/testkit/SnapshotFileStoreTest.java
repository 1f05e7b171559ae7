package io.durakv.api.testkit;

import io.durakv.api.CorruptionException;
import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreLockedException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What is particular to the reference store: its write protocol, its broken variants, recovery and corruption. */
class SnapshotFileStoreTest {

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static StoreOptions on(RecordingDisk disk) {
        return StoreOptions.builder().disk(disk).build();
    }

    @Test
    void writeForcesTheTmpFileBeforeTheRenameAndTheDirectoryAfterIt() {
        RecordingDisk disk = new RecordingDisk(LocalDisk.INSTANCE);
        try (KeyValueStore store = SnapshotFileStore.open(dir, on(disk))) {
            disk.clear();
            store.put(bytes("k"), bytes("v"));
        }
        assertThat(disk.calls()).containsExactly("open SNAPSHOT.tmp", "truncate SNAPSHOT.tmp", "write SNAPSHOT.tmp",
                "force SNAPSHOT.tmp", "rename SNAPSHOT.tmp -> SNAPSHOT", "forceDirectory " + dir.getFileName());
    }

    @Test
    void skipFileForceBugRenamesUnforcedData() {
        RecordingDisk disk = new RecordingDisk(LocalDisk.INSTANCE);
        try (KeyValueStore store = SnapshotFileStore.open(dir, on(disk), SnapshotFileStore.Bug.SKIP_FILE_FORCE)) {
            disk.clear();
            store.put(bytes("k"), bytes("v"));
        }
        assertThat(disk.calls()).containsExactly("open SNAPSHOT.tmp", "truncate SNAPSHOT.tmp", "write SNAPSHOT.tmp",
                "rename SNAPSHOT.tmp -> SNAPSHOT", "forceDirectory " + dir.getFileName());
    }

    @Test
    void skipDirectoryForceBugLeavesTheRenameUnforced() {
        RecordingDisk disk = new RecordingDisk(LocalDisk.INSTANCE);
        try (KeyValueStore store = SnapshotFileStore.factory(SnapshotFileStore.Bug.SKIP_DIRECTORY_FORCE)
                .open(dir, on(disk))) {
            disk.clear();
            store.put(bytes("k"), bytes("v"));
        }
        assertThat(disk.calls()).containsExactly("open SNAPSHOT.tmp", "truncate SNAPSHOT.tmp", "write SNAPSHOT.tmp",
                "force SNAPSHOT.tmp", "rename SNAPSHOT.tmp -> SNAPSHOT");
    }

    @Test
    void lockedDirectoryIsRefusedBeforeAnyChange() throws IOException {
        RecordingDisk disk = new RecordingDisk(LocalDisk.INSTANCE);
        try (KeyValueStore store = SnapshotFileStore.open(dir, on(disk))) {
            store.put(bytes("k"), bytes("v"));
            Files.write(dir.resolve("SNAPSHOT.tmp"), bytes("leftover"));
            disk.clear();
            assertThatThrownBy(() -> SnapshotFileStore.open(dir, on(disk)))
                    .isInstanceOf(StoreLockedException.class).hasMessageContaining(dir.toString());
            assertThat(disk.calls()).containsExactly("lockRefused LOCK");
            assertThat(dir.resolve("SNAPSHOT.tmp")).exists();
        }
    }

    @Test
    void leftoverTmpFileIsIgnoredAndDeleted() throws IOException {
        try (KeyValueStore store = SnapshotFileStore.open(dir, StoreOptions.defaults())) {
            store.put(bytes("k"), bytes("v"));
        }
        Files.write(dir.resolve("SNAPSHOT.tmp"), bytes("an unfinished write"));
        try (KeyValueStore store = SnapshotFileStore.open(dir, StoreOptions.defaults())) {
            assertThat(store.get(bytes("k"))).isEqualTo(bytes("v"));
            assertThat(dir.resolve("SNAPSHOT.tmp")).doesNotExist();
        }
    }

    @Test
    void flippedByteIsReportedAsCorruptionNamingFileAndOffset() throws IOException {
        writeOneKey();
        Path snapshot = dir.resolve("SNAPSHOT");
        byte[] good = Files.readAllBytes(snapshot);
        byte[] bad = good.clone();
        bad[14] ^= 1; // inside the first key's length
        Files.write(snapshot, bad);
        assertThatThrownBy(() -> SnapshotFileStore.open(dir, StoreOptions.defaults()))
                .isInstanceOfSatisfying(CorruptionException.class, e -> {
                    assertThat(e.file()).isEqualTo(snapshot);
                    assertThat(e.offset()).isEqualTo(good.length - 4);
                    assertThat(e).hasMessageContaining("checksum");
                });
        Files.write(snapshot, good);
        try (KeyValueStore store = SnapshotFileStore.open(dir, StoreOptions.defaults())) {
            assertThat(store.get(bytes("key"))).as("the failed open released the lock").isEqualTo(bytes("value"));
        }
    }

    @Test
    void truncatedSnapshotIsCorruption() throws IOException {
        writeOneKey();
        Path snapshot = dir.resolve("SNAPSHOT");
        byte[] image = Files.readAllBytes(snapshot);
        for (int length : List.of(0, 7, 15, image.length - 1)) {
            Files.write(snapshot, Arrays.copyOf(image, length));
            assertThatThrownBy(() -> SnapshotFileStore.open(dir, StoreOptions.defaults()))
                    .as("length %d", length).isInstanceOf(CorruptionException.class);
        }
    }

    @Test
    void badMagicAndUnknownVersionAreCorruption() throws IOException {
        writeOneKey();
        Path snapshot = dir.resolve("SNAPSHOT");
        byte[] image = Files.readAllBytes(snapshot);
        byte[] badMagic = image.clone();
        badMagic[0] = 'X';
        Files.write(snapshot, badMagic);
        assertThatThrownBy(() -> SnapshotFileStore.open(dir, StoreOptions.defaults()))
                .isInstanceOfSatisfying(CorruptionException.class, e -> assertThat(e.offset()).isZero())
                .hasMessageContaining("magic");
        byte[] newer = image.clone();
        ByteBuffer.wrap(newer).putInt(4, SnapshotFormat.FORMAT_VERSION + 1);
        Files.write(snapshot, newer);
        assertThatThrownBy(() -> SnapshotFileStore.open(dir, StoreOptions.defaults()))
                .isInstanceOfSatisfying(CorruptionException.class, e -> assertThat(e.offset()).isEqualTo(4))
                .hasMessageContaining("version " + (SnapshotFormat.FORMAT_VERSION + 1));
    }

    @ParameterizedTest
    @EnumSource(value = SyncMode.class, names = {"BATCH", "NONE"})
    void onlySyncModeIsSupported(SyncMode mode) {
        assertThatThrownBy(() -> SnapshotFileStore.open(dir, StoreOptions.builder().syncMode(mode).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(mode.name());
    }

    @Test
    void everyPropertyIsUnknown() {
        StoreOptions options = StoreOptions.builder().property("snapshot.maxKeyBytes", "10").build();
        assertThatThrownBy(() -> SnapshotFileStore.open(dir, options))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("snapshot.maxKeyBytes");
    }

    private void writeOneKey() {
        try (KeyValueStore store = SnapshotFileStore.open(dir, StoreOptions.defaults())) {
            store.put(bytes("key"), bytes("value"));
        }
    }
}
