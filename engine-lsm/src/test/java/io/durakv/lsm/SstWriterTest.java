package io.durakv.lsm;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.durakv.lsm.SstTables.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SstWriterTest {

    private static final Path FILE = DIR.resolve("000003.sst");

    private static SimulatedDisk disk() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(DIR);
        return disk;
    }

    @Test
    void outOfOrderEntriesAreRejectedAndLeaveTheTableAsIfNeverAdded() throws Exception {
        SimulatedDisk disk = disk();
        SstMeta meta;
        try (SstWriter w = SstWriter.create(disk, FILE, SstOptions.defaults().withBlockBytes(32))) {
            w.add(key(5), 10, EntryKind.PUT, value(3, 1));
            assertThatThrownBy(() -> w.add(key(4), 20, EntryKind.PUT, value(3, 2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not after");
            assertThatThrownBy(() -> w.add(key(5), 10, EntryKind.DELETE, null)) // same internal key
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> w.add(key(5), 11, EntryKind.PUT, value(3, 3))) // newer after older
                    .isInstanceOf(IllegalArgumentException.class);
            w.add(key(5), 9, EntryKind.DELETE, null);
            w.add(key(6), 1, EntryKind.PUT, new byte[0]);
            assertThat(w.entries()).isEqualTo(3);
            meta = w.finish();
        }
        assertThat(meta.entries()).isEqualTo(3);
        assertThat(meta.smallestSequence()).isEqualTo(1);
        assertThat(meta.largestSequence()).isEqualTo(10);
        try (SstReader r = SstReader.open(disk, FILE, 3, null)) {
            assertThat(r.get(key(4), Long.MAX_VALUE)).isNull();
            SstEntry newest = r.get(key(5), Long.MAX_VALUE);
            assertThat(newest.sequence()).isEqualTo(10);
            assertThat(newest.value()).isEqualTo(value(3, 1));
            SstEntry older = r.get(key(5), 9);
            assertThat(older.kind()).isEqualTo(EntryKind.DELETE);
            assertThat(older.value()).isNull();
            assertThat(r.get(key(5), 8)).isNull();
            assertThat(r.get(key(6), 0)).isNull();
            assertThat(r.get(key(6), 1).value()).isEmpty();
        }
    }

    @Test
    void malformedEntriesAreIllegalArgumentsAndWriteNothing() throws Exception {
        SimulatedDisk disk = disk();
        try (SstWriter w = SstWriter.create(disk, FILE, SstOptions.defaults())) {
            long writesBefore = disk.calls(DiskOp.WRITE);
            assertThatThrownBy(() -> w.add(null, 1, EntryKind.PUT, new byte[0]))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> w.add(key(1), 1, EntryKind.PUT, null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a value");
            assertThatThrownBy(() -> w.add(key(1), 1, EntryKind.DELETE, new byte[1]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no value");
            assertThatThrownBy(() -> w.add(key(1), 1, (byte) 7, new byte[1]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kind 7");
            assertThatThrownBy(() -> w.add(key(1), -1, EntryKind.PUT, new byte[1]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sequence");
            assertThatThrownBy(() -> w.add(key(1), SstFormat.MAX_SEQUENCE + 1, EntryKind.PUT, new byte[1]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sequence");
            byte[] page = new byte[10];
            assertThatThrownBy(() -> w.add(key(1), 1, EntryKind.PUT, page, 8, 3))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside an array of 10");
            assertThatThrownBy(() -> w.add(key(1), 1, EntryKind.PUT, page, -1, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
            assertThatThrownBy(() -> w.add(key(1), 1, EntryKind.PUT, page, 2, -1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
            assertThat(w.entries()).isZero();
            assertThat(disk.calls(DiskOp.WRITE)).isEqualTo(writesBefore);
            assertThat(disk.content(FILE)).isEmpty();
            assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("at least one entry");
        }
    }

    @Test
    void optionsAreValidated() {
        assertThat(SstOptions.defaults().blockBytes()).isEqualTo(4096);
        assertThat(SstOptions.defaults().restartInterval()).isEqualTo(16);
        assertThat(SstOptions.defaults().bloomBitsPerKey()).isEqualTo(10);
        assertThatThrownBy(() -> SstOptions.defaults().withBlockBytes(31))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block size");
        assertThatThrownBy(() -> SstOptions.defaults().withBlockBytes((16 << 20) + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SstOptions.defaults().withRestartInterval(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("restart interval");
        assertThatThrownBy(() -> SstOptions.defaults().withBloomBitsPerKey(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bloom");
        SstOptions o = SstOptions.defaults().withBlockBytes(64).withRestartInterval(2).withBloomBitsPerKey(20);
        assertThat(o.blockBytes()).isEqualTo(64);
        assertThat(o.restartInterval()).isEqualTo(2);
        assertThat(o.bloomBitsPerKey()).isEqualTo(20);
    }

    @Test
    void anExistingFileIsNeverOverwritten() throws Exception {
        SimulatedDisk disk = disk();
        write(disk, FILE, SstOptions.defaults(), entries(3, 5));
        byte[] before = disk.content(FILE);
        assertThatThrownBy(() -> SstWriter.create(disk, FILE, SstOptions.defaults()))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(disk.content(FILE)).isEqualTo(before);
    }

    @Test
    void finishedOrClosedWritersRefuseMoreAndCloseIsIdempotent() throws Exception {
        SimulatedDisk disk = disk();
        SstWriter w = SstWriter.create(disk, FILE, SstOptions.defaults());
        w.add(key(1), 1, EntryKind.PUT, value(1, 1));
        w.finish();
        assertThatThrownBy(() -> w.add(key(2), 1, EntryKind.PUT, value(1, 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("finished");
        assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class);
        w.close();
        w.close();

        Path other = DIR.resolve("000004.sst");
        SstWriter abandoned = SstWriter.create(disk, other, SstOptions.defaults().withBlockBytes(32));
        for (int i = 0; i < 50; i++) {
            abandoned.add(key(i), 1, EntryKind.PUT, value(10, i));
        }
        abandoned.close();
        abandoned.close();
        assertThatThrownBy(() -> abandoned.add(key(99), 1, EntryKind.PUT, value(1, 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        // An abandoned table is not a table: whatever it wrote fails to open.
        assertThatThrownBy(() -> SstReader.open(disk, other, 4, null)).isInstanceOf(CorruptionException.class);
    }

    /**
     * finish() forces the file: after finish and a directory force (the caller's step), any crash leaves a table that
     * opens and reads back in full. The writer forces the file exactly once and never the directory.
     */
    @Test
    void aFinishedTableSurvivesACrashOnceTheDirectoryIsForced() throws Exception {
        SimulatedDisk sim = disk();
        long forcesBefore = sim.calls(DiskOp.FORCE);
        long directoryForcesBefore = sim.calls(DiskOp.FORCE_DIRECTORY);
        List<Put> entries = entries(2000, 40);
        SstMeta meta = write(sim, FILE, SstOptions.defaults(), entries);
        assertThat(sim.calls(DiskOp.FORCE) - forcesBefore).isEqualTo(1);
        assertThat(sim.calls(DiskOp.FORCE_DIRECTORY) - directoryForcesBefore).isZero();
        assertThat(sim.durableContent(FILE)).isEqualTo(sim.content(FILE));
        sim.forceDirectory(DIR);
        for (long seed = 0; seed < 20; seed++) {
            SimulatedDisk image = sim.crash(seed);
            try (SstReader r = SstReader.open(image, FILE, 3, new BlockCache(1 << 20))) {
                assertThat(r.meta()).isEqualTo(meta);
                assertThat(readAll(r)).as("seed %d", seed).isEqualTo(describe(entries));
            }
        }
    }

    @Test
    void withoutFinishNothingIsForced() throws Exception {
        SimulatedDisk disk = disk();
        try (SstWriter w = SstWriter.create(disk, FILE, SstOptions.defaults())) {
            for (Put p : entries(3000, 40)) {
                w.add(p.key(), p.sequence(), p.kind(), p.value());
            }
            assertThat(disk.content(FILE).length).isGreaterThan(64 << 10); // some blocks were written
            assertThat(disk.calls(DiskOp.FORCE)).isZero();
        }
        assertThat(disk.durableContent(FILE)).isEmpty();
    }

    @Test
    void entriesLargerThanABlockGetTheirOwnBlockAndEmptyKeysAndValuesWork() throws Exception {
        SimulatedDisk disk = disk();
        byte[] huge = value(16 << 20, 7);
        byte[] longKey = value(70_000, 3);
        List<Put> entries = List.of(
                new Put(new byte[0], 5, EntryKind.PUT, new byte[0]),
                new Put(new byte[0], 4, EntryKind.DELETE, null),
                new Put(new byte[]{0}, 1, EntryKind.PUT, huge),
                new Put(longKey, 2, EntryKind.PUT, value(5000, 1)),
                new Put(key(1), 3, EntryKind.PUT, value(10, 1)));
        List<Put> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> EntryKind.compare(a.key(), a.sequence(), b.key(), b.sequence()));
        SstMeta meta = write(disk, FILE, SstOptions.defaults(), sorted);
        assertThat(meta.fileBytes()).isGreaterThan(16 << 20);
        try (SstReader r = SstReader.open(disk, FILE, 3, new BlockCache(64 << 20))) {
            assertThat(r.get(new byte[0], 10).value()).isEmpty();
            assertThat(r.get(new byte[0], 4).kind()).isEqualTo(EntryKind.DELETE);
            assertThat(r.get(new byte[]{0}, 10).value()).isEqualTo(huge);
            assertThat(r.get(longKey, 10).value()).isEqualTo(value(5000, 1));
            assertThat(readAll(r)).isEqualTo(describe(sorted));
            // Blocks are cut once they reach the block size: {"", "", 0x00 with 16 MiB}, {the 70 000-byte key},
            // {key-000001}.
            assertThat(r.index().size()).isEqualTo(3);
        }
    }

    @Test
    void estimatedBytesTracksTheFileSize() throws Exception {
        SimulatedDisk disk = disk();
        try (SstWriter w = SstWriter.create(disk, FILE, SstOptions.defaults())) {
            long previous = w.estimatedBytes();
            for (Put p : entries(5000, 100)) {
                w.add(p.key(), p.sequence(), p.kind(), p.value());
                assertThat(w.estimatedBytes()).isGreaterThanOrEqualTo(previous);
                previous = w.estimatedBytes();
            }
            long estimate = w.estimatedBytes();
            SstMeta meta = w.finish();
            // Only the bloom, properties, index and footer come on top of the estimate.
            assertThat(meta.fileBytes()).isBetween(estimate, estimate + estimate / 20);
        }
    }

    @Test
    void aFailedWriteFailsTheWriter() throws Exception {
        SimulatedDisk disk = disk();
        disk.inject(FaultRule.nthCall(DiskOp.WRITE, "\\.sst$", 1));
        try (SstWriter w = SstWriter.create(disk, FILE, SstOptions.defaults())) {
            List<Put> entries = entries(5000, 100);
            assertThatThrownBy(() -> {
                for (Put p : entries) {
                    w.add(p.key(), p.sequence(), p.kind(), p.value());
                }
            }).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> w.add(key(999_999), 1, EntryKind.PUT, new byte[0]))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("failed");
            assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class);
        }
    }

    /** @return every entry of the table as text, in iteration order */
    static List<String> readAll(SstReader r) {
        List<String> out = new ArrayList<>();
        try (InternalIterator it = r.iterator()) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                out.add(describe(it.key(), it.sequence(), it.kind(), it.value()));
            }
        }
        return out;
    }

    static List<String> describe(List<Put> entries) {
        List<String> out = new ArrayList<>();
        for (Put p : entries) {
            out.add(describe(p.key(), p.sequence(), p.kind(), p.value()));
        }
        return out;
    }

    private static String describe(byte[] key, long sequence, byte kind, byte[] value) {
        return java.util.HexFormat.of().formatHex(key) + "@" + sequence + (kind == EntryKind.PUT
                ? "=" + (value.length > 64 ? value.length + ":" + java.util.Arrays.hashCode(value)
                : java.util.HexFormat.of().formatHex(value)) : " deleted");
    }

    /** A value handed over as a range of a larger array (a memtable's data page) reads back as that range. */
    @Test
    void aValueGivenAsARangeOfALargerArrayIsStoredAsThatRange() throws Exception {
        SimulatedDisk disk = disk();
        byte[] page = new byte[70_000];
        new java.util.Random(5).nextBytes(page);
        try (SstWriter w = SstWriter.create(disk, FILE, SstOptions.defaults())) {
            w.add(key(1), 3, EntryKind.PUT, page, 100, 17);
            w.add(key(2), 2, EntryKind.PUT, page, 0, 0);
            w.add(key(3), 1, EntryKind.PUT, page, 1000, 65_000); // larger than a block
            w.add(key(4), 4, EntryKind.DELETE, null, 0, 0);
            w.finish();
        }
        try (SstReader r = SstReader.open(disk, FILE, 1, null)) {
            assertThat(r.get(key(1), Long.MAX_VALUE).value()).isEqualTo(java.util.Arrays.copyOfRange(page, 100, 117));
            assertThat(r.get(key(2), Long.MAX_VALUE).value()).isEmpty();
            assertThat(r.get(key(3), Long.MAX_VALUE).value())
                    .isEqualTo(java.util.Arrays.copyOfRange(page, 1000, 66_000));
            assertThat(r.get(key(4), Long.MAX_VALUE).kind()).isEqualTo(EntryKind.DELETE);
        }
    }
}
