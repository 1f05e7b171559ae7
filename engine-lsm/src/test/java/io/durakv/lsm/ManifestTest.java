package io.durakv.lsm;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static io.durakv.lsm.Stores.DIR;
import static io.durakv.lsm.Stores.key;
import static io.durakv.lsm.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The manifest: edits round-trip, rewrites keep the state, damage is reported, orphans are removed. */
class ManifestTest {

    private static FileMeta file(long n, String lo, String hi) {
        return new FileMeta(n, 1000 + n, lo.getBytes(StandardCharsets.US_ASCII),
                hi.getBytes(StandardCharsets.US_ASCII), n, n + 10, 5);
    }

    @Test
    void versionEditRoundTripsEveryField() {
        VersionEdit e = new VersionEdit().coveredLsn(77).nextFile(12).add(3, file(9, "a", "m")).delete(1, 4);
        VersionEdit d = VersionEdit.decode(e.encode(), Path.of("/m"), 1);
        assertThat(d.coveredLsn()).isEqualTo(77);
        assertThat(d.nextFile()).isEqualTo(12);
        assertThat(d.deleted()).containsExactly(new VersionEdit.Deleted(1, 4));
        assertThat(d.added()).hasSize(1);
        FileMeta f = d.added().get(0).file();
        assertThat(d.added().get(0).level()).isEqualTo(3);
        assertThat(f.number).isEqualTo(9);
        assertThat(f.fileBytes).isEqualTo(1009);
        assertThat(f.smallest).isEqualTo("a".getBytes(StandardCharsets.US_ASCII));
        assertThat(f.largest).isEqualTo("m".getBytes(StandardCharsets.US_ASCII));
        assertThat(f.smallestSequence).isEqualTo(9);
        assertThat(f.largestSequence).isEqualTo(19);
        assertThat(f.entries).isEqualTo(5);
    }

    @Test
    void ignorableUnknownTagsAreSkippedOthersAreCorruption() {
        byte[] base = new VersionEdit().coveredLsn(5).encode();
        byte[] ignorable = ByteBuffer.allocate(base.length + 7).put(base).put((byte) 0x81).putInt(2).put((byte) 1)
                .put((byte) 2).array();
        assertThat(VersionEdit.decode(ignorable, Path.of("/m"), 3).coveredLsn()).isEqualTo(5);
        byte[] unknown = ignorable.clone();
        unknown[base.length] = 0x11;
        assertThatThrownBy(() -> VersionEdit.decode(unknown, Path.of("/m"), 3))
                .isInstanceOf(CorruptionException.class).hasMessageContaining("unknown manifest field tag 17");
        byte[] cut = java.util.Arrays.copyOf(base, base.length - 3);
        assertThatThrownBy(() -> VersionEdit.decode(cut, Path.of("/m"), 4)).isInstanceOf(CorruptionException.class);
    }

    @Test
    void rewriteKeepsTheStateAndDeletesTheOldGeneration() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(DIR);
        try (Manifest m = Manifest.open(disk, DIR)) {
            Version v = Version.empty();
            for (long n = 1; n <= 5; n++) {
                VersionEdit e = new VersionEdit().add(1, file(n, "k" + n, "k" + n + "z")).coveredLsn(n * 10)
                        .nextFile(n + 1);
                m.append(e);
                v = v.apply(e);
            }
            m.rewrite(new Manifest.State(v, 50, 6));
            assertThat(m.generation()).isEqualTo(2);
            m.append(new VersionEdit().delete(1, 3).nextFile(6));
        }
        assertThat(disk.list(DIR)).contains("CURRENT", "manifest-000002").doesNotContain("manifest-000001");
        try (Manifest m = Manifest.open(disk, DIR)) {
            Manifest.State s = m.recovered();
            assertThat(s.coveredLsn()).isEqualTo(50);
            assertThat(s.nextFile()).isEqualTo(6);
            assertThat(s.version().files(1)).extracting(f -> f.number).containsExactly(1L, 2L, 4L, 5L);
        }
    }

    @Test
    void crashInsideARewriteLeavesOneCompleteGeneration() throws Exception {
        for (long k = 0; k < 40; k++) {
            SimulatedDisk disk = new SimulatedDisk();
            disk.createDirectories(DIR);
            try (Manifest m = Manifest.open(disk, DIR)) {
                VersionEdit e = new VersionEdit().add(0, file(1, "a", "b")).coveredLsn(3).nextFile(2);
                m.append(e);
                disk.powerLossAfter(disk.mutatingCalls() + k);
                try {
                    m.rewrite(new Manifest.State(Version.empty().apply(e), 3, 2));
                } catch (Exception expected) {
                    assertThat(disk.poweredOff()).isTrue();
                }
            } catch (RuntimeException closeAfterPowerLoss) {
                assertThat(disk.poweredOff()).isTrue();
            }
            for (long seed = 0; seed < 3; seed++) {
                SimulatedDisk crashed = disk.crash(seed);
                try (Manifest m = Manifest.open(crashed, DIR)) {
                    assertThat(m.recovered().coveredLsn()).as("k=" + k).isEqualTo(3);
                    assertThat(m.recovered().version().files(0)).extracting(f -> f.number).containsExactly(1L);
                }
                List<String> names = crashed.list(DIR);
                assertThat(names.stream().filter(n -> n.startsWith("manifest-")).count()).as("k=" + k + " " + names)
                        .isEqualTo(1);
            }
        }
    }

    @Test
    void damagedCurrentIsCorruption() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (LsmStore s = Stores.open(disk, false)) {
            s.put(key(1), value(1, 0));
        }
        try (DiskFile f = disk.open(DIR.resolve("CURRENT"), OpenMode.READ_WRITE)) {
            f.write(30, ByteBuffer.wrap(new byte[]{'9'}));
            f.force(true);
        }
        assertThatThrownBy(() -> Stores.open(disk, false)).isInstanceOf(CorruptionException.class)
                .hasMessageContaining("CURRENT");
    }

    @Test
    void missingCurrentInAStoreWithDataIsCorruptionNotAnEmptyStore() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (LsmStore s = Stores.open(disk, false)) {
            s.put(key(1), value(1, 0));
        }
        disk.delete(DIR.resolve("CURRENT"));
        assertThatThrownBy(() -> Stores.open(disk, false)).isInstanceOf(CorruptionException.class)
                .hasMessageContaining("CURRENT is missing");
    }

    @Test
    void damagedManifestRecordIsCorruption() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(DIR);
        try (Manifest m = Manifest.open(disk, DIR)) {
            m.append(new VersionEdit().delete(2, 99)); // deletes a file that was never added
        }
        assertThatThrownBy(() -> Manifest.open(disk, DIR)).isInstanceOf(CorruptionException.class)
                .hasMessageContaining("not in L2");
        // The log's own checksums catch flipped bytes in forced records.
        SimulatedDisk disk2 = new SimulatedDisk();
        disk2.createDirectories(DIR);
        Manifest.open(disk2, DIR).close();
        Path seg = DIR.resolve("manifest-000001").resolve(disk2.list(DIR.resolve("manifest-000001")).get(0));
        try (DiskFile f = disk2.open(seg, OpenMode.READ_WRITE)) {
            f.write(70, ByteBuffer.wrap(new byte[]{0x55, 0x55}));
            f.force(true);
        }
        assertThatThrownBy(() -> Manifest.open(disk2, DIR)).isInstanceOf(CorruptionException.class);
    }
}
