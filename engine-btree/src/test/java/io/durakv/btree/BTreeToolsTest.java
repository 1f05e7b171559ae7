package io.durakv.btree;

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
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code DuraKvTool verify|dump|stats --engine btree} on real directories: sound, damaged, open, bad usage. */
class BTreeToolsTest {

    @TempDir
    Path dir;

    private KeyValueStore open() {
        return KeyValueStores.open("btree", dir, StoreOptions.builder().property("btree.pageBytes", "1024")
                .property("btree.checkpointBytes", "4096").property("wal.segmentBytes", "65536").build());
    }

    private void populate() {
        try (KeyValueStore s = open()) {
            for (int i = 0; i < 400; i++) {
                s.put(String.format("key-%04d", i).getBytes(StandardCharsets.US_ASCII), Stores.filled(
                        i % 9 == 0 ? 3000 : 40, i));
            }
            for (int i = 0; i < 400; i += 3) {
                s.delete(String.format("key-%04d", i).getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    private Path segment() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("wal"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("wal-")).sorted().reduce((a, b) -> b)
                    .orElseThrow();
        }
    }

    @Test
    void verifyStatsAndDumpOfASoundClosedStore() throws IOException {
        populate();
        byte[] before = Files.readAllBytes(dir.resolve("btree.db"));
        ToolRun verify = ToolRun.of("verify", "--engine", "btree", dir.toString());
        assertThat(verify.code()).as(verify.out() + verify.err()).isEqualTo(DuraKvTool.OK);
        assertThat(verify.out()).contains("OK: no damage found").contains("266 keys").contains("closed cleanly");

        ToolRun stats = ToolRun.of("stats", "--engine", "btree", dir.toString());
        assertThat(stats.code()).as(stats.err()).isEqualTo(DuraKvTool.OK);
        assertThat(stats.out()).contains("tree: 266 keys").contains("overflow pages").contains("free pages")
                .contains("log: 1 segments");

        ToolRun dumpData = ToolRun.of("dump", "--engine", "btree", dir.resolve("btree.db").toString());
        assertThat(dumpData.code()).as(dumpData.err()).isEqualTo(DuraKvTool.OK);
        assertThat(dumpData.out()).contains("[newest]").contains("leaf").contains("\"key-0001\" = 40 B inline")
                .contains("in overflow chain from page");

        ToolRun dumpLog = ToolRun.of("dump", "--engine", "btree", segment().toString());
        assertThat(dumpLog.code()).as(dumpLog.err()).isEqualTo(DuraKvTool.OK);
        assertThat(dumpLog.out()).contains("header: version 1").contains("clean-close marker");
        assertThat(Files.readAllBytes(dir.resolve("btree.db"))).as("the tools change nothing").isEqualTo(before);
    }

    @Test
    void verifyReportsADamagedPageWithFileAndOffsetAndExitsWithOne() throws IOException {
        populate();
        Header h;
        try (var f = io.durakv.api.io.LocalDisk.INSTANCE.open(dir.resolve("btree.db"),
                io.durakv.api.io.OpenMode.READ)) {
            h = Recovery.newestHeader(f);
        }
        long rootOffset = (long) h.root() * 1024;
        ToolRun.flip(dir.resolve("btree.db"), rootOffset + 100);
        ToolRun verify = ToolRun.of("verify", "--engine", "btree", dir.toString());
        assertThat(verify.code()).isEqualTo(DuraKvTool.DAMAGED);
        assertThat(verify.out()).contains("DAMAGE: ").contains("btree.db at offset " + rootOffset);
    }

    @Test
    void verifyReportsADamagedLogRecordBeforeTheCleanCloseMarker() throws IOException {
        populate();
        Path seg = segment();
        ToolRun.flip(seg, 32 + 30); // inside the first frame's payload
        ToolRun verify = ToolRun.of("verify", "--engine", "btree", dir.toString());
        assertThat(verify.code()).as(verify.out()).isEqualTo(DuraKvTool.DAMAGED);
        assertThat(verify.out()).contains("DAMAGE: " + seg + " at offset 32").contains("claims the segment was forced");
        ToolRun dump = ToolRun.of("dump", "--engine", "btree", seg.toString());
        assertThat(dump.out()).contains("@32 first invalid frame: checksum mismatch");
    }

    @Test
    void toolsRefuseAnOpenStoreAndTheStoreStaysLocked() {
        ToolRun.assertRefusedWhileOpen("btree", dir, open());
    }

    @Test
    void badUsageExitsWithTwo() {
        populate();
        ToolRun.assertUsageErrors("btree", dir, dir.resolve("LOCK"));
    }
}
