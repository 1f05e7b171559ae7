package io.durakv.api.io;

import static io.durakv.api.io.DiskTestSupport.filled;
import static io.durakv.api.io.DiskTestSupport.writeFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scheduled power loss and injected faults of {@link SimulatedDisk}. */
class SimulatedDiskFaultTest {

    private final Path dir = Path.of("/db");
    private final Path log = dir.resolve("000001.log");
    private SimulatedDisk disk;

    @BeforeEach
    void setUp() throws IOException {
        disk = new SimulatedDisk();
        disk.createDirectories(dir);
    }

    /** @return whether appending one byte through {@code f} succeeded */
    private static boolean tryAppend(DiskFile f) {
        try {
            f.append(ByteBuffer.wrap(filled(1, 1)));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void powerLossAfterKFreezesTheDiskExactlyAfterKMutatingCalls() throws IOException {
        long before = disk.mutatingCalls();
        disk.powerLossAfter(3);
        try (DiskFile f = disk.open(log, OpenMode.CREATE)) { // 1: CREATE
            f.write(0, ByteBuffer.wrap(filled(10, 1)));      // 2: WRITE
            f.size();                                        // not mutating
            f.force(true);                                   // 3: FORCE, the last one to complete
            assertThat(disk.poweredOff()).isFalse();
            assertThatThrownBy(() -> f.write(10, ByteBuffer.wrap(filled(10, 2))))
                    .isInstanceOf(PowerLossException.class);
            assertThat(disk.poweredOff()).isTrue();
            assertThatThrownBy(() -> f.force(true)).isInstanceOf(PowerLossException.class);
            assertThatThrownBy(() -> f.truncate(0)).isInstanceOf(PowerLossException.class);
            // Reads and other non-mutating calls keep working; nothing changed.
            ByteBuffer buf = ByteBuffer.allocate(10);
            f.readFully(0, buf);
            assertThat(buf.array()).isEqualTo(filled(10, 1));
        }
        assertThat(disk.mutatingCalls()).isEqualTo(before + 3);
        assertThat(disk.content(log)).isEqualTo(filled(10, 1));
        assertThat(disk.list(dir)).containsExactly("000001.log");
        disk.open(log, OpenMode.READ).close();
        assertThatThrownBy(() -> disk.open(dir.resolve("new"), OpenMode.CREATE))
                .isInstanceOf(PowerLossException.class);
        assertThatThrownBy(() -> disk.rename(log, dir.resolve("x"))).isInstanceOf(PowerLossException.class);
        assertThatThrownBy(() -> disk.delete(log)).isInstanceOf(PowerLossException.class);
        assertThatThrownBy(() -> disk.forceDirectory(dir)).isInstanceOf(PowerLossException.class);
        assertThatThrownBy(() -> disk.createDirectories(dir.resolve("d"))).isInstanceOf(PowerLossException.class);
        assertThat(disk.exists(dir.resolve("new"))).isFalse();
        assertThat(disk.mutatingCalls()).isEqualTo(before + 3);
    }

    @Test
    void powerLossAfterZeroRefusesTheVeryNextMutatingCall() throws IOException {
        writeFile(disk, log, filled(5, 1), false);
        disk.powerLossAfter(0);
        try (DiskFile f = disk.open(log, OpenMode.READ_WRITE)) {
            assertThatThrownBy(() -> f.append(ByteBuffer.wrap(filled(1, 2)))).isInstanceOf(PowerLossException.class);
        }
        assertThat(disk.content(log)).isEqualTo(filled(5, 1));
    }

    @Test
    void aFrozenDiskCrashesToItsStateAtThePowerLoss() throws IOException {
        writeFile(disk, log, filled(100, 1), true);
        disk.forceDirectory(dir);
        disk.powerLossAfter(1);
        try (DiskFile f = disk.open(log, OpenMode.READ_WRITE)) {
            f.append(ByteBuffer.wrap(filled(100, 2)));
            assertThatThrownBy(() -> f.force(true)).isInstanceOf(PowerLossException.class);
        }
        for (long seed = 0; seed < 100; seed++) {
            byte[] after = disk.crash(seed).content(log);
            assertThat(Arrays.copyOf(after, 100)).isEqualTo(filled(100, 1));
        }
    }

    @Test
    void nthCallFaultFiresOnlyOnTheNthMatchingCall() throws IOException {
        disk.inject(FaultRule.nthCall(DiskOp.WRITE, "\\.log$", 2));
        List<Boolean> results = new ArrayList<>();
        try (DiskFile f = disk.open(log, OpenMode.CREATE);
             DiskFile other = disk.open(dir.resolve("MANIFEST"), OpenMode.CREATE)) {
            results.add(tryAppend(f));
            assertThat(tryAppend(other)).isTrue(); // does not match: not counted
            results.add(tryAppend(f));
            results.add(tryAppend(f));
            results.add(tryAppend(f));
            disk.clearFaults();
            disk.inject(FaultRule.nthCall(DiskOp.WRITE, "log", 1));
            assertThatThrownBy(() -> f.append(ByteBuffer.wrap(filled(1, 1))))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("injected WRITE failure")
                    .hasMessageEndingWith(": " + log);
        }
        assertThat(results).containsExactly(true, false, true, true);
        assertThat(disk.content(log)).hasSize(3); // the failed writes changed nothing
        assertThat(disk.calls(DiskOp.WRITE)).isEqualTo(4); // 3 to the log, 1 to the manifest
    }

    @Test
    void fromNthCallFaultFiresOnEveryMatchingCallFromTheNth() throws IOException {
        disk.inject(FaultRule.fromNthCall(DiskOp.WRITE, "\\.log$", 3));
        List<Boolean> results = new ArrayList<>();
        try (DiskFile f = disk.open(log, OpenMode.CREATE)) {
            for (int i = 0; i < 6; i++) {
                results.add(tryAppend(f));
            }
            disk.clearFaults();
            results.add(tryAppend(f));
        }
        assertThat(results).containsExactly(true, true, false, false, false, false, true);
    }

    @Test
    void faultRulesFilterByPathPatternAndOperation() throws IOException {
        disk.inject(FaultRule.fromNthCall(DiskOp.CREATE, "/db/sst/", 1));
        disk.createDirectories(dir.resolve("sst"));
        disk.open(log, OpenMode.CREATE).close();
        assertThatThrownBy(() -> disk.open(dir.resolve("sst/1.sst"), OpenMode.CREATE))
                .isInstanceOf(IOException.class);
        assertThat(disk.list(dir.resolve("sst"))).isEmpty();
        // An existing file is an OPEN, not a CREATE: the rule does not match.
        disk.clearFaults();
        disk.open(dir.resolve("sst/1.sst"), OpenMode.CREATE).close();
        disk.inject(FaultRule.fromNthCall(DiskOp.CREATE, "/db/sst/", 1));
        disk.open(dir.resolve("sst/1.sst"), OpenMode.CREATE).close();
        assertThat(disk.calls(DiskOp.CREATE)).isEqualTo(2);
    }

    @Test
    void renameFaultMatchesSourceOrTargetAndChangesNothing() throws IOException {
        writeFile(disk, dir.resolve("MANIFEST.tmp"), filled(5, 1), true);
        disk.inject(FaultRule.nthCall(DiskOp.RENAME, "MANIFEST$", 1));
        assertThatThrownBy(() -> disk.rename(dir.resolve("MANIFEST.tmp"), dir.resolve("MANIFEST")))
                .isInstanceOf(IOException.class).hasMessageContaining("MANIFEST.tmp -> /db/MANIFEST");
        assertThat(disk.list(dir)).containsExactly("MANIFEST.tmp");
        disk.rename(dir.resolve("MANIFEST.tmp"), dir.resolve("MANIFEST"));
        assertThat(disk.list(dir)).containsExactly("MANIFEST");
        assertThat(disk.calls(DiskOp.RENAME)).isEqualTo(1);
    }

    @Test
    void nonMutatingCallsCanFailToo() throws IOException {
        writeFile(disk, log, filled(5, 1), false);
        disk.inject(FaultRule.nthCall(DiskOp.READ, ".*", 1));
        disk.inject(FaultRule.nthCall(DiskOp.LIST, ".*", 1));
        disk.inject(FaultRule.nthCall(DiskOp.OPEN, ".*", 1));
        assertThatThrownBy(() -> disk.open(log, OpenMode.READ)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> disk.list(dir)).isInstanceOf(IOException.class);
        try (DiskFile f = disk.open(log, OpenMode.READ)) {
            assertThatThrownBy(() -> f.read(0, ByteBuffer.allocate(5))).isInstanceOf(IOException.class);
            assertThat(f.read(0, ByteBuffer.allocate(5))).isEqualTo(5);
        }
    }

    @Test
    void probabilisticFaultIsReproducibleFromItsSeed() throws IOException {
        List<Boolean> first = probabilisticRun(42);
        assertThat(first).contains(true, false);
        assertThat(probabilisticRun(42)).isEqualTo(first);
        assertThat(probabilisticRun(43)).isNotEqualTo(first);
    }

    private static List<Boolean> probabilisticRun(long seed) throws IOException {
        SimulatedDisk d = new SimulatedDisk();
        d.createDirectories(Path.of("/db"));
        d.inject(FaultRule.withProbability(DiskOp.WRITE, ".*", 0.5, seed));
        List<Boolean> results = new ArrayList<>();
        try (DiskFile f = d.open(Path.of("/db/f"), OpenMode.CREATE)) {
            for (int i = 0; i < 100; i++) {
                results.add(tryAppend(f));
            }
        }
        assertThat(d.content(Path.of("/db/f"))).hasSize((int) results.stream().filter(r -> r).count());
        return results;
    }

    @Test
    void everyMatchingRuleCountsACallAndTheFirstThatFiresWins() throws IOException {
        disk.inject(FaultRule.nthCall(DiskOp.WRITE, ".*", 1));
        disk.inject(FaultRule.nthCall(DiskOp.WRITE, ".*", 2));
        try (DiskFile f = disk.open(log, OpenMode.CREATE)) {
            assertThatThrownBy(() -> f.append(ByteBuffer.wrap(filled(1, 1)))).hasMessageContaining("call 1 ");
            assertThatThrownBy(() -> f.append(ByteBuffer.wrap(filled(1, 1)))).hasMessageContaining("call 2 ");
            assertThat(tryAppend(f)).isTrue();
        }
    }

    @Test
    void failedForceLosesTheUnforcedBytesEvenAfterALaterSuccessfulForce() throws IOException {
        writeFile(disk, log, filled(100, 1), true);
        disk.forceDirectory(dir);
        disk.inject(FaultRule.nthCall(DiskOp.FORCE, "\\.log$", 1));
        try (DiskFile f = disk.open(log, OpenMode.READ_WRITE)) {
            f.write(0, ByteBuffer.wrap(filled(100, 2)));
            f.append(ByteBuffer.wrap(filled(5000, 3)));
            assertThatThrownBy(() -> f.force(true)).isInstanceOf(IOException.class);
            f.force(true); // "succeeds", but the pages were already marked clean
        }
        assertThat(disk.calls(DiskOp.FORCE)).isEqualTo(2); // the first force by writeFile, then the retry
        byte[] expectedNow = DiskTestSupport.concat(filled(100, 2), filled(5000, 3));
        assertThat(disk.content(log)).as("the page cache still has them").isEqualTo(expectedNow);
        for (long seed = 0; seed < 200; seed++) {
            byte[] after = disk.crash(seed).content(log);
            assertThat(Arrays.copyOf(after, 100)).as("seed %d", seed).isEqualTo(filled(100, 1));
            assertThat(after).as("seed %d", seed).isNotEqualTo(expectedNow);
        }
    }

    @Test
    void failedForceLeavesTheFateOfAppendedBytesToTheCrash() throws IOException {
        writeFile(disk, log, new byte[0], true);
        disk.forceDirectory(dir);
        disk.inject(FaultRule.nthCall(DiskOp.FORCE, ".*", 1));
        try (DiskFile f = disk.open(log, OpenMode.READ_WRITE)) {
            f.append(ByteBuffer.wrap(filled(1000, 3)));
            assertThatThrownBy(() -> f.force(false)).isInstanceOf(IOException.class);
        }
        boolean kept = false;
        boolean lost = false;
        for (long seed = 0; seed < 200; seed++) {
            byte[] after = disk.crash(seed).content(log);
            kept |= Arrays.equals(after, filled(1000, 3));
            lost |= after.length == 0;
        }
        assertThat(kept).isTrue();
        assertThat(lost).isTrue();
    }

    @Test
    void rewritingAfterAFailedForceMakesThePageDurableAgain() throws IOException {
        writeFile(disk, log, filled(100, 1), true);
        disk.forceDirectory(dir);
        disk.inject(FaultRule.nthCall(DiskOp.FORCE, ".*", 1));
        try (DiskFile f = disk.open(log, OpenMode.READ_WRITE)) {
            f.write(0, ByteBuffer.wrap(filled(100, 2)));
            assertThatThrownBy(() -> f.force(false)).isInstanceOf(IOException.class);
            f.write(0, ByteBuffer.wrap(filled(100, 2)));
            f.force(false);
        }
        assertThat(disk.durableContent(log)).isEqualTo(filled(100, 2));
    }

    @Test
    void powerLossWinsOverAFaultAndNeitherCounts() throws IOException {
        writeFile(disk, log, filled(10, 1), false);
        disk.inject(FaultRule.nthCall(DiskOp.FORCE, ".*", 1));
        disk.powerLossAfter(0);
        try (DiskFile f = disk.open(log, OpenMode.READ_WRITE)) {
            assertThatThrownBy(() -> f.force(true)).isInstanceOf(PowerLossException.class);
            disk.powerLossAfter(Long.MAX_VALUE);
            assertThat(disk.poweredOff()).isFalse();
            // The refused call did not count towards the rule: this is its first matching call.
            assertThatThrownBy(() -> f.force(true)).isNotInstanceOf(PowerLossException.class)
                    .isInstanceOf(IOException.class);
        }
    }
}
