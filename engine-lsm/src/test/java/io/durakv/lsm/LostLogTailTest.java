package io.durakv.lsm;

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
import java.util.NavigableMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Found while wiring {@link LsmCorruptionTest}: the corruption suite's content, written with its properties and
 * closed, leaves the recycled active log segment {@code wal/wal-00000000000000000510.log} (64 KiB) with records after
 * the last flush (close does not flush). Zeros over bytes 52 480 – 55 489 cover its last records (LSNs 597 – 600) and
 * the clean-close marker; the log's recovery drops them as an unforced tail of a recycled segment (wal.md, "Limit":
 * "the log ends at LSN 596, offset 51712 (first invalid frame: checksum mismatch)"). The store used to open without
 * those records, which the close had forced. Now the manifest records the log's last LSN at each clean close, and
 * the open reports the shorter log as a {@link CorruptionException} naming the segment.
 */
class LostLogTailTest {

    private static final Path DIR = Path.of("/db");

    @Test
    void zerosOverTheLastRecordsAndCloseMarkerOfTheLogAreCorruptionNotLostRecords() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        StoreOptions.Builder b = StoreOptions.builder().syncMode(SyncMode.SYNC).disk(disk);
        LsmCorruptionTest.PROPERTIES.forEach(b::property);
        StoreOptions options = b.build();
        NavigableMap<byte[], byte[]> model = CrashOracle.newMap();
        try (KeyValueStore store = LsmStore.open(DIR, options, false)) {
            CorruptionSuite.writeDefaultContent(store, model, CorruptionSuite.defaultKeys());
        }
        Path file = DIR.resolve("wal/wal-00000000000000000510.log");
        assertThat(disk.list(DIR.resolve("wal"))).contains("wal-00000000000000000510.log",
                "wal-00000000000000000403.recycle");
        try (DiskFile f = disk.open(file, OpenMode.READ_WRITE)) {
            f.write(52480, ByteBuffer.allocate(3010));
            f.force(true);
        }
        assertThatThrownBy(() -> LsmStore.open(DIR, options, false).close())
                .isInstanceOfSatisfying(CorruptionException.class, e -> {
                    assertThat(e.file()).isEqualTo(file);
                    assertThat(e.offset()).as("the last valid record, LSN 596").isBetween(32L, 51711L);
                    assertThat(e.getMessage()).contains("LSN 596", "LSN 600");
                });
    }

    @Test
    void theLogEndAtCloseRoundTripsAndIsIgnorable() {
        VersionEdit d = VersionEdit.decode(new VersionEdit().logEnd(596).encode(), Path.of("/m"), 1);
        assertThat(d.logEnd()).isEqualTo(596);
        assertThat(VersionEdit.TAG_LOG_END & VersionEdit.IGNORABLE).as("older readers skip it").isNotZero();
        assertThat(VersionEdit.decode(new VersionEdit().coveredLsn(3).encode(), Path.of("/m"), 1).logEnd())
                .isEqualTo(-1);
    }

    /** Every clean close records where the log ended; reopening (with recovery, flushes, rewrites) never trips it. */
    @Test
    void cleanClosesRecordTheLogEndAndReopenAgreesEveryTime() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        long lastLsn = 0;
        for (int round = 0; round < 6; round++) {
            try (LsmStore s = Stores.open(disk, round % 2 == 0, "lsm.memtableBytes", "1024",
                    "lsm.manifestRewriteBytes", "256")) {
                for (int i = 0; i < 10 * round; i++) {
                    s.put(Stores.key(i), Stores.value(i, round));
                }
                lastLsn = s.wal.lastLsn();
            }
            try (Manifest m = Manifest.open(disk, DIR)) {
                assertThat(m.recovered().logEndAtClose()).as("round " + round).isEqualTo(lastLsn);
            }
        }
        try (LsmStore s = Stores.open(disk, false)) {
            assertThat(s.get(Stores.key(49))).isEqualTo(Stores.value(49, 5));
        }
    }
}
