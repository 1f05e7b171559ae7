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
import io.durakv.api.testkit.StoreReads;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.NavigableMap;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A known bug found while wiring {@link LsmCorruptionTest}: the corruption suite's content, written with its
 * properties and closed, leaves the recycled active log segment {@code wal/wal-00000000000000000510.log} (64 KiB) with
 * records after the last flush (close does not flush). Zeros over bytes 52 480 – 55 489 cover its last records and the
 * clean-close marker; the log's recovery drops them as an unforced tail of a recycled segment (wal.md, "Limit": "the
 * log ends at LSN 596, offset 51712 (first invalid frame: checksum mismatch)"), and the store opens without a
 * {@code CorruptionException}, without LSNs 597 – 600 (the scan differs from the content written): records the
 * close had forced.
 * The LSM engine does not record where its log ended at a clean close, so nothing tells it. A fix: a manifest edit
 * at close with the log's last LSN (an ignorable tag), checked at open like the covered LSN.
 */
class LostLogTailTest {

    private static final Path DIR = Path.of("/db");

    @Disabled("known bug: zeros at 52480+3010 of the recycled active log segment wal-00000000000000000510.log"
            + " (its last records and clean-close marker) lose forced records silently; lsm.md, Known limitations")
    @Test
    void zerosOverTheLastRecordsAndCloseMarkerOfTheLogAreCorruptionNotOldData() throws Exception {
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
        AtomicReference<NavigableMap<byte[], byte[]>> seen = new AtomicReference<>();
        Throwable thrown = catchThrowable(() -> {
            try (KeyValueStore store = LsmStore.open(DIR, options.toBuilder().disk(disk).build(), false)) {
                seen.set(StoreReads.scanOrdered(store, "after the damage"));
            }
        });
        if (thrown == null) {
            assertThat(seen.get()).as("the store opened: it must then hold exactly the content written")
                    .usingComparatorForType(java.util.Arrays::compare, byte[].class)
                    .containsExactlyEntriesOf(model);
        } else {
            assertThat(thrown).isInstanceOfSatisfying(CorruptionException.class,
                    e -> assertThat(e.file().toString()).startsWith("/db/wal"));
        }
    }
}
