package io.durakv.bitcask;

import io.durakv.api.CorruptionException;
import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import io.durakv.api.testkit.CorruptionSuite;
import io.durakv.api.testkit.CrashOracle;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Found by {@code BitcaskCorruptionTest} (jqwik seed -6418936538978892143, shrunk to
 * {@code Damage[fileChoice=2, kind=ZEROS, region=ANYWHERE, position=0.8, length=3010, seed=0]}): the closed store of
 * the corruption suite's content ({@link CorruptionSuite#writeDefaultContent}) has a recycled active data file {@code data/wal-00000000000000000510.log} (64 KiB)
 * and its partial hint (covers LSNs before 601). Zeros over bytes 52 428 – 55 437 hit the records of LSNs 597 – 600
 * and the clean-close marker; the log's recovery takes them for an unforced tail of a recycled segment and ends the
 * log at LSN 596 (offset 51 712). Recovery used to ignore the hint with a WARN and open with the older values of four
 * keys and two deleted keys back: wrong data. The hint proves those records were forced, so this is now a
 * {@link CorruptionException} naming the data file and the offset of the first missing record.
 */
class LostForcedTailTest {

    private static final Path DIR = Path.of("/db");

    @Test
    void zerosOverTheLastRecordsOfARecycledActiveFileWithAPartialHintAreCorruptionNotOldData() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        StoreOptions.Builder b = StoreOptions.builder().syncMode(SyncMode.SYNC).disk(disk);
        // The corruption suite's store: 64 KiB files, merges at 10 % dead on the writing thread.
        b.property("bitcask.fileBytes", "65536").property("bitcask.mergeDeadRatio", "0.1")
                .property("bitcask.backgroundMerge", "0");
        StoreOptions options = b.build();
        try (KeyValueStore store = new BitcaskEngine().open(DIR, options)) {
            CorruptionSuite.writeDefaultContent(store, CrashOracle.newMap(), CorruptionSuite.defaultKeys());
        }
        assertThat(disk.list(DIR.resolve("data"))).as("a recycled segment waits, the active one was recycled")
                .contains("wal-00000000000000000510.log", "wal-00000000000000000403.recycle");
        assertThat(disk.list(DIR)).contains("hint-00000000000000000510.hint");
        Path file = DIR.resolve("data/wal-00000000000000000510.log");
        try (DiskFile f = disk.open(file, OpenMode.READ_WRITE)) {
            assertThat(f.size()).isEqualTo(65536);
            f.write(52428, ByteBuffer.allocate(3010));
            f.force(true);
        }
        assertThatThrownBy(() -> new BitcaskEngine().open(DIR, options).close())
                .isInstanceOfSatisfying(CorruptionException.class, e -> {
                    assertThat(e.file()).isEqualTo(file);
                    assertThat(e.offset()).as("the frame of LSN 597").isBetween(51712L, 55438L);
                    assertThat(e.getMessage()).contains("LSN 596", "LSN 601", "LSN 597");
                });
    }
}
