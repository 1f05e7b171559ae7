package io.durakv.bitcask;

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
import java.util.Map;
import java.util.TreeMap;

import static io.durakv.bitcask.Stores.DIR;
import static io.durakv.bitcask.Stores.key;
import static io.durakv.bitcask.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hint files are a checked cache of the data files: a missing or damaged one is ignored (and rewritten), never
 * trusted. Damage to data files, merged data files or the manifest is reported as {@link CorruptionException} naming
 * the file, never returned as data.
 */
class HintAndCorruptionTest {

    private static final int KEYS = 40;

    /** Builds a store with a merge generation, several sealed segments with hints, and deletes. */
    private static Map<Integer, byte[]> build(SimulatedDisk disk) throws Exception {
        Map<Integer, byte[]> model = new TreeMap<>();
        try (BitcaskStore s = Stores.open(disk)) {
            for (int r = 0; r < 4; r++) {
                for (int i = 0; i < KEYS; i++) {
                    byte[] v = value(i, r, 1500);
                    s.put(key(i), v);
                    model.put(i, v);
                }
                if (r == 1) {
                    s.mergeNow();
                }
            }
            for (int i = 0; i < KEYS; i += 7) {
                s.delete(key(i));
                model.remove(i);
            }
            for (int i = 0; i < KEYS; i++) { // seal the segment holding the deletes
                byte[] v = value(i, 9, 1500);
                if (model.containsKey(i)) {
                    s.put(key(i), v);
                    model.put(i, v);
                }
            }
        }
        return model;
    }

    private static void assertContent(BitcaskStore s, Map<Integer, byte[]> model) {
        for (int i = 0; i < KEYS; i++) {
            assertThat(s.get(key(i))).as("key %d", i).isEqualTo(model.get(i));
        }
        assertThat(s.keyCount()).isEqualTo(model.size());
    }

    private static void assertOpensTo(SimulatedDisk disk, Map<Integer, byte[]> model) {
        try (BitcaskStore s = Stores.open(disk)) {
            assertContent(s, model);
        }
    }

    private static List<Path> hintFiles(SimulatedDisk disk) throws IOException {
        List<Path> hints = new ArrayList<>();
        for (String name : disk.list(DIR)) {
            if (name.endsWith(".hint")) {
                hints.add(DIR.resolve(name));
            }
        }
        return hints;
    }

    private static void overwrite(SimulatedDisk disk, Path file, long offset, byte[] bytes) throws IOException {
        try (DiskFile f = disk.open(file, OpenMode.READ_WRITE)) {
            f.write(offset, ByteBuffer.wrap(bytes));
            f.force(true);
        }
    }

    @Test
    void storeWithHintFilesOpensToTheSameContent() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> model = build(disk);
        List<Path> hints = hintFiles(disk);
        assertThat(hints).anyMatch(p -> p.getFileName().toString().startsWith("merge-"))
                .anyMatch(p -> p.getFileName().toString().startsWith("hint-"));
        assertOpensTo(disk, model);
    }

    @Test
    void missingHintFilesAreRebuiltFromTheDataFiles() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> model = build(disk);
        List<Path> hints = hintFiles(disk);
        for (Path p : hints) {
            disk.delete(p);
        }
        disk.forceDirectory(DIR);
        assertOpensTo(disk, model);
        assertThat(hintFiles(disk)).containsExactlyInAnyOrderElementsOf(hints);
        assertOpensTo(disk, model);
    }

    @Test
    void damagedHintFilesAreDetectedByTheirChecksumAndIgnored() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> model = build(disk);
        List<Path> hints = hintFiles(disk);
        for (Path p : hints) {
            byte[] content = disk.content(p);
            // Turn one key byte in the middle into another: only the checksum can tell.
            int at = content.length / 2;
            overwrite(disk, p, at, new byte[]{(byte) (content[at] ^ 0x01)});
        }
        assertOpensTo(disk, model);
        for (Path p : hints) { // rewritten whole
            assertThat(HintFile.read(disk, p, p.getFileName().toString().startsWith("merge-")
                    ? BitcaskFormat.KIND_MERGE_HINT : BitcaskFormat.KIND_SEGMENT_HINT,
                    p.getFileName().toString().startsWith("merge-")
                            ? BitcaskFormat.parseMergeName(p.getFileName().toString())
                            : BitcaskFormat.parseSegmentHintName(p.getFileName().toString()))).isNotNull();
        }
    }

    @Test
    void aValidHintFileOfAnotherSegmentIsNotTrusted() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> model = build(disk);
        List<Path> segmentHints = hintFiles(disk).stream()
                .filter(p -> p.getFileName().toString().startsWith("hint-")).toList();
        assertThat(segmentHints.size()).isGreaterThanOrEqualTo(2);
        disk.rename(segmentHints.get(0), segmentHints.get(1)); // a checksummed hint under the wrong name
        disk.forceDirectory(DIR);
        assertOpensTo(disk, model);
    }

    @Test
    void aCutShortHintFileIsIgnored() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> model = build(disk);
        for (Path p : hintFiles(disk)) {
            try (DiskFile f = disk.open(p, OpenMode.READ_WRITE)) {
                f.truncate(f.size() - 28); // the end marker is gone
                f.force(true);
            }
        }
        assertOpensTo(disk, model);
    }

    @Test
    void damagedMergedValueFailsTheReadWithCorruptionNamingTheFile() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        byte[] v = value(5, 0, 2000);
        try (BitcaskStore s = Stores.open(disk)) {
            s.put(key(5), v);
            for (int i = 0; i < 60; i++) { // seal the first segment
                s.put(key(100 + i), value(100 + i, 0, 1500));
            }
            s.mergeNow();
        }
        Path merged = DIR.resolve(BitcaskFormat.mergeDataName(1));
        int at = Stores.indexOf(disk.content(merged), v);
        assertThat(at).isPositive();
        overwrite(disk, merged, at + 10, new byte[]{'X'});
        try (BitcaskStore s = Stores.open(disk)) { // opens from the hint file
            assertThatThrownBy(() -> s.get(key(5))).isInstanceOfSatisfying(CorruptionException.class,
                    e -> assertThat(e.file()).isEqualTo(merged));
            assertThat(s.get(key(101))).isEqualTo(value(101, 0, 1500));
        }
        disk.delete(DIR.resolve(BitcaskFormat.mergeHintName(1)));
        assertThatThrownBy(() -> Stores.open(disk)).isInstanceOfSatisfying(CorruptionException.class,
                e -> assertThat(e.file()).isEqualTo(merged));
    }

    @Test
    void damagedSealedSegmentFailsOpenOrReadWithCorruption() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        byte[] v = value(5, 0, 2000);
        try (BitcaskStore s = Stores.open(disk)) {
            s.put(key(5), v);
            for (int i = 0; i < 60; i++) {
                s.put(key(100 + i), value(100 + i, 0, 1500));
            }
        }
        Path segment = DIR.resolve("data").resolve(disk.list(DIR.resolve("data")).get(0));
        int at = Stores.indexOf(disk.content(segment), v);
        overwrite(disk, segment, at + 10, new byte[]{'X'});
        try (BitcaskStore s = Stores.open(disk)) { // the segment's hint file spares reading it at open
            assertThatThrownBy(() -> s.get(key(5))).isInstanceOf(CorruptionException.class)
                    .hasMessageContaining(segment.getFileName().toString());
        }
        for (Path p : hintFiles(disk)) {
            disk.delete(p);
        }
        assertThatThrownBy(() -> Stores.open(disk)).isInstanceOf(CorruptionException.class)
                .hasMessageContaining(segment.getFileName().toString());
    }

    @Test
    void damagedManifestFailsOpenWithCorruption() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        build(disk);
        Path manifest = DIR.resolve(BitcaskFormat.MANIFEST);
        overwrite(disk, manifest, 40, new byte[]{0x55});
        assertThatThrownBy(() -> Stores.open(disk)).isInstanceOfSatisfying(CorruptionException.class,
                e -> assertThat(e.file()).isEqualTo(manifest));
    }
}
