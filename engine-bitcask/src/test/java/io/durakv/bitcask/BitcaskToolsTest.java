package io.durakv.bitcask;

import io.durakv.api.KeyValueStore;
import io.durakv.api.KeyValueStores;
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

/** {@code DuraKvTool verify|dump|stats --engine bitcask} on real directories: sound, damaged, open, bad usage. */
class BitcaskToolsTest {

    @TempDir
    Path dir;

    private KeyValueStore open() {
        return KeyValueStores.open("bitcask", dir, StoreOptions.builder().property("bitcask.fileBytes", "65536")
                .property("bitcask.mergeDeadRatio", "0.1").property("bitcask.backgroundMerge", "0").build());
    }

    private static byte[] key(int i) {
        return String.format("key-%04d", i).getBytes(StandardCharsets.US_ASCII);
    }

    /** 500 keys written three times over and a third deleted: enough dead bytes for merges. 333 keys live. */
    private void populate() {
        try (KeyValueStore s = open()) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 500; i++) {
                    s.put(key(i), new byte[100 + round]);
                }
            }
            for (int i = 0; i < 500; i += 3) {
                s.delete(key(i));
            }
        }
    }

    private static List<Path> files(Path in, String prefix, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(in)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void verifyStatsAndDumpOfASoundClosedStore() throws IOException {
        populate();
        List<Path> merged = files(dir, "merge-", ".data");
        assertThat(merged).as("the workload merged").hasSize(1);
        byte[] before = Files.readAllBytes(merged.get(0));
        ToolRun verify = ToolRun.of("verify", "--engine", "bitcask", dir.toString());
        assertThat(verify.code()).as(verify.out() + verify.err()).isEqualTo(DuraKvTool.OK);
        assertThat(verify.out()).contains("OK: no damage found").contains("manifest: merge generation")
                .contains(merged.get(0).getFileName() + ": ").contains("closed cleanly");

        ToolRun stats = ToolRun.of("stats", "--engine", "bitcask", dir.toString());
        assertThat(stats.code()).as(stats.err()).isEqualTo(DuraKvTool.OK);
        assertThat(stats.out()).contains("keys: 333, live " + 333L * (8 + 102) + " bytes").contains("merge data: ")
                .contains("data segments: ");

        ToolRun dumpMerged = ToolRun.of("dump", "--engine", "bitcask", merged.get(0).toString());
        assertThat(dumpMerged.code()).as(dumpMerged.err()).isEqualTo(DuraKvTool.OK);
        assertThat(dumpMerged.out()).contains("identity").containsPattern("put \"key-\\d{4}\" = 10\\d B")
                .contains("end marker");

        ToolRun manifest = ToolRun.of("dump", "--engine", "bitcask", dir.resolve("MERGE").toString());
        assertThat(manifest.out()).contains("merge generation");
        ToolRun dumpLog = ToolRun.of("dump", "--engine", "bitcask",
                files(dir.resolve("data"), "wal-", ".log").get(0).toString());
        assertThat(dumpLog.code()).as(dumpLog.err()).isEqualTo(DuraKvTool.OK);
        assertThat(dumpLog.out()).contains("header: version 1");
        assertThat(Files.readAllBytes(merged.get(0))).as("the tools change nothing").isEqualTo(before);
        try (KeyValueStore s = open()) {
            assertThat(s.get(key(1))).hasSize(102);
            assertThat(s.get(key(3))).isNull();
        }
    }

    @Test
    void verifyReportsADamagedMergedFileWithFileAndOffsetAndExitsWithOne() throws IOException {
        populate();
        Path merged = files(dir, "merge-", ".data").get(0);
        long size = Files.size(merged);
        ToolRun.flip(merged, size / 2);
        ToolRun verify = ToolRun.of("verify", "--engine", "bitcask", dir.toString());
        assertThat(verify.code()).as(verify.out()).isEqualTo(DuraKvTool.DAMAGED);
        assertThat(verify.out()).containsPattern("DAMAGE: .*" + merged + " at offset \\d+");
        assertThat(ToolRun.of("dump", "--engine", "bitcask", merged.toString()).out()).contains("first damage");
    }

    @Test
    void verifyReportsADamagedDataSegment() throws IOException {
        populate();
        List<Path> segments = files(dir.resolve("data"), "wal-", ".log");
        Path seg = segments.get(0);
        ToolRun.flip(seg, 32 + 30); // inside the first frame's payload
        ToolRun verify = ToolRun.of("verify", "--engine", "bitcask", dir.toString());
        assertThat(verify.code()).as(verify.out()).isEqualTo(DuraKvTool.DAMAGED);
        assertThat(verify.out()).contains("DAMAGE: " + seg + " at offset 32");
    }

    @Test
    void toolsRefuseAnOpenStoreAndTheStoreStaysLocked() {
        ToolRun.assertRefusedWhileOpen("bitcask", dir, open());
    }

    @Test
    void badUsageExitsWithTwo() {
        populate();
        ToolRun.assertUsageErrors("bitcask", dir, dir.resolve("LOCK"));
    }
}
