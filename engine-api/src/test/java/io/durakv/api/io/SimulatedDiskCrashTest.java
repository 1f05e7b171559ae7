package io.durakv.api.io;

import static io.durakv.api.io.DiskTestSupport.append;
import static io.durakv.api.io.DiskTestSupport.filled;
import static io.durakv.api.io.DiskTestSupport.pattern;
import static io.durakv.api.io.DiskTestSupport.snapshot;
import static io.durakv.api.io.DiskTestSupport.writeFile;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@link SimulatedDisk#crash(long)} keeps, loses and may do to unforced state, across many seeds. */
class SimulatedDiskCrashTest {

    private static final int SEEDS = 500;
    private static final int PAGE = SimulatedDisk.PAGE_SIZE;
    private static final int SECTOR = SimulatedDisk.SECTOR_SIZE;

    private final Path dir = Path.of("/db");
    private final Path file = dir.resolve("data");
    private SimulatedDisk disk;

    @BeforeEach
    void setUp() throws IOException {
        disk = new SimulatedDisk();
        disk.createDirectories(dir);
    }

    /** A file with {@code bytes} forced and its directory entry forced. */
    private void durableFile(Path path, byte[] bytes) throws IOException {
        writeFile(disk, path, bytes, true);
        disk.forceDirectory(path.getParent());
    }

    @Test
    void forcedBytesSurviveEveryCrash() throws IOException {
        byte[] forced = pattern(10_000, 1);
        durableFile(file, forced);
        append(disk, file, pattern(9_000, 2), false);
        for (long seed = 0; seed < SEEDS; seed++) {
            byte[] after = disk.crash(seed).content(file);
            assertThat(after.length).as("seed %d", seed).isGreaterThanOrEqualTo(forced.length);
            assertThat(Arrays.copyOf(after, forced.length)).as("seed %d", seed).isEqualTo(forced);
        }
    }

    @Test
    void unforcedOverwriteOfForcedBytesLeavesEachSectorOldOrNew() throws IOException {
        byte[] old = filled(3 * PAGE, 1);
        durableFile(file, old);
        try (DiskFile f = disk.open(file, OpenMode.READ_WRITE)) {
            f.write(0, ByteBuffer.wrap(filled(3 * PAGE, 2)));
        }
        Set<String> seen = new HashSet<>();
        for (long seed = 0; seed < SEEDS; seed++) {
            byte[] after = disk.crash(seed).content(file);
            assertThat(after).hasSize(old.length);
            for (int s = 0; s < after.length; s += SECTOR) {
                byte[] sector = Arrays.copyOfRange(after, s, s + SECTOR);
                boolean oldSector = Arrays.equals(sector, filled(SECTOR, 1));
                boolean newSector = Arrays.equals(sector, filled(SECTOR, 2));
                assertThat(oldSector || newSector).as("seed %d sector at %d is all old or all new", seed, s).isTrue();
                seen.add(oldSector ? "old" : "new");
            }
        }
        assertThat(seen).containsExactlyInAnyOrder("old", "new");
    }

    @Test
    void createdFileWhoseDirectoryWasNotForcedCanVanishOrSurvive() throws IOException {
        writeFile(disk, file, pattern(100, 0), true);
        Set<Boolean> exists = new HashSet<>();
        for (long seed = 0; seed < SEEDS; seed++) {
            SimulatedDisk after = disk.crash(seed);
            exists.add(after.exists(file));
            if (after.exists(file)) {
                assertThat(after.content(file)).isEqualTo(pattern(100, 0));
            }
        }
        assertThat(exists).containsExactlyInAnyOrder(true, false);
    }

    @Test
    void fileWhoseDirectoryWasForcedSurvivesEveryCrash() throws IOException {
        durableFile(file, pattern(100, 0));
        for (long seed = 0; seed < SEEDS; seed++) {
            assertThat(disk.crash(seed).content(file)).as("seed %d", seed).isEqualTo(pattern(100, 0));
        }
    }

    @Test
    void createDirectoriesIsDurableOnReturn() throws IOException {
        Path nested = Path.of("/x/y/z");
        disk.createDirectories(nested);
        for (long seed = 0; seed < SEEDS; seed++) {
            assertThat(disk.crash(seed).isDirectory(nested)).as("seed %d", seed).isTrue();
        }
    }

    @Test
    void renameWithoutDirectoryForceCanBeUndoneOrKept() throws IOException {
        Path tmp = dir.resolve("data.tmp");
        durableFile(tmp, pattern(5000, 7));
        disk.rename(tmp, file);
        Set<String> outcomes = new HashSet<>();
        for (long seed = 0; seed < SEEDS; seed++) {
            SimulatedDisk after = disk.crash(seed);
            boolean oldName = after.exists(tmp);
            boolean newName = after.exists(file);
            outcomes.add((oldName ? "old" : "") + (newName ? "new" : ""));
            for (Path p : new Path[]{tmp, file}) {
                if (after.exists(p)) {
                    assertThat(after.content(p)).isEqualTo(pattern(5000, 7));
                }
            }
            if (oldName && newName) {
                // Both names kept: one file under two names, as a hard link.
                try (DiskFile f = after.open(tmp, OpenMode.READ_WRITE)) {
                    f.write(0, ByteBuffer.wrap(filled(1, 0)));
                }
                assertThat(after.content(file)[0]).isZero();
            }
        }
        assertThat(outcomes).contains("old", "new");
        assertThat(outcomes).as("a rename is atomic: the file keeps at least one name").doesNotContain("");
        disk.forceDirectory(dir);
        for (long seed = 0; seed < SEEDS; seed++) {
            assertThat(disk.crash(seed).list(dir)).as("seed %d", seed).containsExactly("data");
        }
    }

    @Test
    void renameReplacingAForcedTargetLeavesTheOldOrTheNewTarget() throws IOException {
        durableFile(file, filled(100, 1));
        durableFile(dir.resolve("data.tmp"), filled(200, 2));
        disk.rename(dir.resolve("data.tmp"), file);
        Set<Integer> sizes = new HashSet<>();
        for (long seed = 0; seed < SEEDS; seed++) {
            byte[] target = disk.crash(seed).content(file);
            assertThat(target).satisfiesAnyOf(t -> assertThat(t).isEqualTo(filled(100, 1)),
                    t -> assertThat(t).isEqualTo(filled(200, 2)));
            sizes.add(target.length);
        }
        assertThat(sizes).containsExactlyInAnyOrder(100, 200);
    }

    @Test
    void deleteWithoutDirectoryForceCanBeUndone() throws IOException {
        durableFile(file, pattern(100, 3));
        disk.delete(file);
        Set<Boolean> exists = new HashSet<>();
        for (long seed = 0; seed < SEEDS; seed++) {
            SimulatedDisk after = disk.crash(seed);
            exists.add(after.exists(file));
            if (after.exists(file)) {
                assertThat(after.content(file)).isEqualTo(pattern(100, 3));
            }
        }
        assertThat(exists).containsExactlyInAnyOrder(true, false);
        disk.forceDirectory(dir);
        for (long seed = 0; seed < SEEDS; seed++) {
            assertThat(disk.crash(seed).exists(file)).as("seed %d", seed).isFalse();
        }
    }

    @Test
    void unforcedAppendIsKeptWholeNotAtAllTornAtSectorsOrLeavesZeroOrGarbageHoles() throws IOException {
        int durableSize = 1000;
        int size = 3 * PAGE;
        durableFile(file, filled(durableSize, 1));
        append(disk, file, filled(size - durableSize, 2), false);
        enum Outcome { ALL_KEPT, NONE_KEPT, TORN_PAGE, ZERO_HOLE, GARBAGE_HOLE, DURABLE_SIZE, CURRENT_SIZE, BETWEEN }
        Set<Outcome> seen = EnumSet.noneOf(Outcome.class);
        for (long seed = 0; seed < SEEDS; seed++) {
            byte[] after = disk.crash(seed).content(file);
            assertThat(after.length).as("seed %d", seed).isBetween(durableSize, size);
            assertThat(Arrays.copyOf(after, durableSize)).isEqualTo(filled(durableSize, 1));
            seen.add(after.length == durableSize ? Outcome.DURABLE_SIZE
                    : after.length == size ? Outcome.CURRENT_SIZE : Outcome.BETWEEN);
            // Classify the whole sectors past the forced size: kept (2s), zeros, or garbage (anything else).
            int kept = 0;
            int lost = 0;
            for (int s = 1024; s + SECTOR <= after.length; s += SECTOR) {
                byte[] sector = Arrays.copyOfRange(after, s, s + SECTOR);
                if (Arrays.equals(sector, filled(SECTOR, 2))) {
                    kept++;
                } else {
                    lost++;
                    int twos = 0;
                    for (byte b : sector) {
                        twos += b == 2 ? 1 : 0;
                    }
                    // A lost sector is lost whole: it holds no run of kept bytes, only zeros or random bytes.
                    assertThat(twos).as("seed %d sector at %d", seed, s).isLessThan(SECTOR / 8);
                    seen.add(Arrays.equals(sector, new byte[SECTOR]) ? Outcome.ZERO_HOLE : Outcome.GARBAGE_HOLE);
                }
            }
            if (after.length == size && lost == 0) {
                seen.add(Outcome.ALL_KEPT);
            }
            if (kept == 0) {
                seen.add(Outcome.NONE_KEPT);
            }
            if (after.length == size) {
                byte[] lastPage = Arrays.copyOfRange(after, 2 * PAGE, size);
                if (!Arrays.equals(lastPage, filled(PAGE, 2)) && containsSector(lastPage, filled(SECTOR, 2))) {
                    seen.add(Outcome.TORN_PAGE);
                }
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(Outcome.values());
    }

    private static boolean containsSector(byte[] page, byte[] sector) {
        for (int s = 0; s < page.length; s += SECTOR) {
            if (Arrays.equals(Arrays.copyOfRange(page, s, s + SECTOR), sector)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void unforcedTruncateLeavesASizeBetweenTheForcedAndTheCurrentOne() throws IOException {
        durableFile(file, filled(10_000, 1));
        try (DiskFile f = disk.open(file, OpenMode.READ_WRITE)) {
            f.truncate(2000);
        }
        Set<Integer> sizes = new HashSet<>();
        for (long seed = 0; seed < SEEDS; seed++) {
            byte[] after = disk.crash(seed).content(file);
            assertThat(after.length).isBetween(2000, 10_000);
            assertThat(Arrays.copyOf(after, 2000)).isEqualTo(filled(2000, 1));
            sizes.add(after.length);
        }
        assertThat(sizes).contains(2000, 10_000).hasSizeGreaterThan(2);
    }

    @Test
    void crashIsDeterministicPerSeed() throws IOException {
        buildMixedUnforcedState();
        for (long seed = 0; seed < 50; seed++) {
            SimulatedDisk first = disk.crash(seed);
            SimulatedDisk second = disk.crash(seed);
            assertThat(snapshot(second, Path.of("/"))).as("seed %d", seed).isEqualTo(snapshot(first, Path.of("/")));
            assertThat(second.describe()).isEqualTo(first.describe());
        }
        Set<Map<String, Object>> distinct = new HashSet<>();
        for (long seed = 0; seed < 50; seed++) {
            distinct.add(snapshot(disk.crash(seed), Path.of("/")));
        }
        assertThat(distinct).hasSizeGreaterThan(10);
    }

    @Test
    void crashDoesNotChangeTheSourceDisk() throws IOException {
        buildMixedUnforcedState();
        Map<String, Object> before = snapshot(disk, Path.of("/"));
        String described = disk.describe();
        byte[] durable = disk.durableContent(dir.resolve("a"));
        for (long seed = 0; seed < 20; seed++) {
            disk.crash(seed);
        }
        assertThat(snapshot(disk, Path.of("/"))).isEqualTo(before);
        assertThat(disk.describe()).isEqualTo(described);
        assertThat(disk.durableContent(dir.resolve("a"))).isEqualTo(durable);
    }

    @Test
    void crashImageAndSourceShareNoBytes() throws IOException {
        Path a = dir.resolve("a");
        durableFile(a, filled(2 * PAGE, 1));
        SimulatedDisk image = disk.crash(3);
        try (DiskFile f = image.open(a, OpenMode.READ_WRITE)) {
            f.write(0, ByteBuffer.wrap(filled(2 * PAGE, 9)));
            f.force(true);
        }
        assertThat(disk.content(a)).isEqualTo(filled(2 * PAGE, 1));
        assertThat(disk.durableContent(a)).isEqualTo(filled(2 * PAGE, 1));
        try (DiskFile f = disk.open(a, OpenMode.READ_WRITE)) {
            f.write(PAGE, ByteBuffer.wrap(filled(10, 5)));
        }
        assertThat(image.content(a)).isEqualTo(filled(2 * PAGE, 9));
        assertThat(disk.crash(3).durableContent(a)).isEqualTo(filled(2 * PAGE, 1));
    }

    @Test
    void everythingOnACrashImageIsDurable() throws IOException {
        buildMixedUnforcedState();
        for (long seed = 0; seed < 50; seed++) {
            SimulatedDisk image = disk.crash(seed);
            Map<String, Object> expected = snapshot(image, Path.of("/"));
            assertThat(image.describe()).doesNotContain("not forced").doesNotContain("dirtyPages=1");
            for (long again = 0; again < 5; again++) {
                assertThat(snapshot(image.crash(again), Path.of("/"))).as("seed %d, %d", seed, again)
                        .isEqualTo(expected);
            }
            assertThat(image.mutatingCalls()).isZero();
            assertThat(image.poweredOff()).isFalse();
        }
    }

    @Test
    void crashImageHasNoFaultsAndNoScheduledPowerLoss() throws IOException {
        durableFile(file, filled(10, 1));
        disk.inject(FaultRule.fromNthCall(DiskOp.WRITE, ".*", 1));
        disk.powerLossAfter(0);
        SimulatedDisk image = disk.crash(1);
        append(image, file, filled(10, 2), true);
        assertThat(image.content(file)).hasSize(20);
    }

    /** Forced files, unforced appends, overwrites, truncates, creates, renames and deletes in two directories. */
    private void buildMixedUnforcedState() throws IOException {
        disk.createDirectories(dir.resolve("sub"));
        durableFile(dir.resolve("a"), pattern(3 * PAGE + 100, 1));
        durableFile(dir.resolve("b"), pattern(PAGE, 2));
        durableFile(dir.resolve("sub/c"), pattern(700, 3));
        durableFile(dir.resolve("gone"), pattern(10, 4));
        append(disk, dir.resolve("a"), pattern(2 * PAGE, 5), false);
        try (DiskFile f = disk.open(dir.resolve("b"), OpenMode.READ_WRITE)) {
            f.write(100, ByteBuffer.wrap(filled(1000, 6)));
            f.truncate(3000);
        }
        writeFile(disk, dir.resolve("new"), pattern(5000, 7), false);
        disk.rename(dir.resolve("sub/c"), dir.resolve("c"));
        disk.delete(dir.resolve("gone"));
    }
}
