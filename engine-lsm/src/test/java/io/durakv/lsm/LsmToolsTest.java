package io.durakv.lsm;

import io.durakv.api.StoreOptions;
import io.durakv.api.testkit.ToolRun;
import io.durakv.api.tools.DuraKvTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code DuraKvTool verify|dump|stats --engine lsm} on real directories: sound, damaged, open, bad usage. */
class LsmToolsTest {

    @TempDir
    Path dir;

    private LsmStore open() {
        return LsmStore.open(dir, StoreOptions.builder().property("lsm.memtableBytes", "8192")
                .property("lsm.level0Trigger", "2").property("lsm.levelBaseBytes", "16384")
                .property("lsm.targetFileBytes", "8192").property("wal.segmentBytes", "65536").build(), false);
    }

    private static byte[] key(int i) {
        return String.format("key-%04d", i).getBytes(StandardCharsets.US_ASCII);
    }

    private void populate() {
        try (LsmStore s = open()) {
            for (int i = 0; i < 600; i++) {
                s.put(key(i), new byte[40 + i % 7]);
            }
            for (int i = 0; i < 600; i += 3) {
                s.delete(key(i));
            }
        }
    }

    private List<Path> files(Path in, String prefix, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(in)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void verifyStatsAndDumpOfASoundClosedStore() throws IOException {
        populate();
        List<Path> tables = files(dir, "", ".sst");
        assertThat(tables).as("the workload flushed").isNotEmpty();
        byte[] before = Files.readAllBytes(tables.get(0));
        ToolRun verify = ToolRun.of("verify", "--engine", "lsm", dir.toString());
        assertThat(verify.code()).as(verify.out() + verify.err()).isEqualTo(DuraKvTool.OK);
        assertThat(verify.out()).contains("OK: no damage found").contains("manifest: generation")
                .contains("tables: " + tables.size() + " SSTables").contains("closed cleanly");

        ToolRun stats = ToolRun.of("stats", "--engine", "lsm", dir.toString());
        assertThat(stats.code()).as(stats.err()).isEqualTo(DuraKvTool.OK);
        assertThat(stats.out()).contains("L0: ").contains("L6: ").contains("tables: " + tables.size() + " files")
                .contains("log: ");
        long listed = tables.stream().mapToLong(p -> p.toFile().length()).sum();
        assertThat(stats.out()).contains(tables.size() + " files, " + listed + " bytes");

        Path newest = tables.get(tables.size() - 1);
        ToolRun dumpTable = ToolRun.of("dump", "--engine", "lsm", newest.toString());
        assertThat(dumpTable.code()).as(dumpTable.err()).isEqualTo(DuraKvTool.OK);
        assertThat(dumpTable.out()).contains(" entries, keys \"key-").containsPattern("\"key-\\d{4}\" @\\d+ put 4\\d B");

        Path manifestDir = files(dir, "manifest-", "").get(0);
        ToolRun dumpManifest = ToolRun.of("dump", "--engine", "lsm", files(manifestDir, "wal-", ".log").get(0).toString());
        assertThat(dumpManifest.code()).as(dumpManifest.err()).isEqualTo(DuraKvTool.OK);
        assertThat(dumpManifest.out()).contains("edit covered LSN").contains("; add L");

        ToolRun dumpLog = ToolRun.of("dump", "--engine", "lsm", files(dir.resolve("wal"), "wal-", ".log").get(0).toString());
        assertThat(dumpLog.code()).as(dumpLog.err()).isEqualTo(DuraKvTool.OK);
        assertThat(dumpLog.out()).contains("header: version 1");

        ToolRun current = ToolRun.of("dump", "--engine", "lsm", dir.resolve("CURRENT").toString());
        assertThat(current.out()).contains("names manifest generation");
        assertThat(Files.readAllBytes(tables.get(0))).as("the tools change nothing").isEqualTo(before);
        try (LsmStore s = open()) {
            assertThat(s.get(key(1))).hasSize(41);
            assertThat(s.get(key(3))).isNull();
        }
    }

    @Test
    void verifyReportsADamagedTableWithFileAndOffsetAndExitsWithOne() throws IOException {
        populate();
        Path table = files(dir, "", ".sst").get(0);
        long offset = SstFormat.HEADER_SIZE + 20; // inside the first data block
        ToolRun.flip(table, offset);
        ToolRun verify = ToolRun.of("verify", "--engine", "lsm", dir.toString());
        assertThat(verify.code()).as(verify.out()).isEqualTo(DuraKvTool.DAMAGED);
        assertThat(verify.out()).contains("DAMAGE: ").contains(table + " at offset " + SstFormat.HEADER_SIZE);
        ToolRun dump = ToolRun.of("dump", "--engine", "lsm", table.toString());
        assertThat(dump.code()).isNotEqualTo(DuraKvTool.OK);
    }

    /** Verify goes on past the first damaged table: every damaged file is reported with its offset. */
    @Test
    void verifyReportsEveryDamagedTableNotOnlyTheFirst() throws IOException {
        populate();
        List<Path> tables = files(dir, "", ".sst");
        assertThat(tables).as("the workload left several tables").hasSizeGreaterThanOrEqualTo(3);
        Path first = tables.get(0);
        Path last = tables.get(tables.size() - 1);
        ToolRun.flip(first, SstFormat.HEADER_SIZE + 20); // inside the first data block
        ToolRun.flip(last, SstFormat.HEADER_SIZE + 25);
        ToolRun verify = ToolRun.of("verify", "--engine", "lsm", dir.toString());
        assertThat(verify.code()).as(verify.out()).isEqualTo(DuraKvTool.DAMAGED);
        assertThat(verify.out()).contains("DAMAGE: ").contains(first + " at offset " + SstFormat.HEADER_SIZE)
                .contains(last + " at offset " + SstFormat.HEADER_SIZE);
        assertThat(verify.out().lines().filter(l -> l.startsWith("DAMAGE: "))).hasSize(2);
        for (Path sound : tables.subList(1, tables.size() - 1)) {
            assertThat(verify.out()).doesNotContain(sound.toString());
        }
    }

    /** With the manifest damaged, every table file is still checked on its own and a damaged one reported. */
    @Test
    void verifyChecksEveryTableFileWhenTheManifestIsDamaged() throws IOException {
        populate();
        Path manifestDir = files(dir, "manifest-", "").get(0);
        Path seg = files(manifestDir, "wal-", ".log").get(0);
        ToolRun.flip(seg, 32 + 30);
        List<Path> tables = files(dir, "", ".sst");
        Path table = tables.get(tables.size() - 1);
        ToolRun.flip(table, SstFormat.HEADER_SIZE + 20);
        ToolRun verify = ToolRun.of("verify", "--engine", "lsm", dir.toString());
        assertThat(verify.code()).as(verify.out()).isEqualTo(DuraKvTool.DAMAGED);
        assertThat(verify.out()).contains("DAMAGE: " + seg + " at offset 32")
                .contains(table + " at offset " + SstFormat.HEADER_SIZE)
                .contains("tables: " + tables.size() + " SSTable files checked on their own");
    }

    @Test
    void verifyReportsADamagedManifestRecord() throws IOException {
        populate();
        Path manifestDir = files(dir, "manifest-", "").get(0);
        Path seg = files(manifestDir, "wal-", ".log").get(0);
        ToolRun.flip(seg, 32 + 30); // inside the first frame's payload (the snapshot)
        ToolRun verify = ToolRun.of("verify", "--engine", "lsm", dir.toString());
        assertThat(verify.code()).as(verify.out()).isEqualTo(DuraKvTool.DAMAGED);
        assertThat(verify.out()).contains("DAMAGE: " + seg + " at offset 32");
    }

    @Test
    void toolsRefuseAnOpenStoreAndTheStoreStaysLocked() {
        ToolRun.assertRefusedWhileOpen("lsm", dir, open());
    }

    @Test
    void badUsageExitsWithTwo() {
        populate();
        ToolRun.assertUsageErrors("lsm", dir, dir.resolve("LOCK"));
    }
}
