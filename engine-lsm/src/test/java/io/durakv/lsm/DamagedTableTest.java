package io.durakv.lsm;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static io.durakv.lsm.Stores.DIR;
import static io.durakv.lsm.Stores.key;
import static io.durakv.lsm.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Damage to a forced SSTable is reported as corruption naming the file, never read as data, never lost silently. */
class DamagedTableTest {

    private static final String[] PROPS = {"lsm.memtableBytes", "4096", "lsm.level0Trigger", "100"};

    /** Writes 100 keys (one L0 table and a memtable) and closes. @return the number of the first L0 table */
    private static long writeOneTable(SimulatedDisk disk) {
        try (LsmStore s = Stores.open(disk, false, PROPS)) {
            for (int i = 0; i < 100; i++) {
                s.put(key(i), value(i, 0));
            }
            return s.versions.current().files(0).get(0).number;
        }
    }

    @Test
    void aFlippedByteInALiveTableIsCorruptionNamingTheFile() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        long number = writeOneTable(disk);
        Path sst = LsmFormat.sstPath(DIR, number);
        try (DiskFile f = disk.open(sst, OpenMode.READ_WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            f.readFully(20, b);
            f.write(20, ByteBuffer.wrap(new byte[]{(byte) (b.get(0) ^ 0x40)}));
            f.force(true);
        }
        try (LsmStore s = Stores.open(disk, false, PROPS)) {
            assertThatThrownBy(s::verify).isInstanceOf(CorruptionException.class)
                    .satisfies(e -> assertThat(((CorruptionException) e).file()).isEqualTo(sst));
            // A read of the damaged block fails rather than returning wrong data (or no data).
            boolean sawCorruption = false;
            for (int i = 0; i < 100; i++) {
                try {
                    assertThat(s.get(key(i))).as("key " + i).isEqualTo(value(i, 0));
                } catch (CorruptionException e) {
                    sawCorruption = true;
                }
            }
            assertThat(sawCorruption).isTrue();
        }
    }

    @Test
    void aMissingLiveTableFailsOpen() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        long number = writeOneTable(disk);
        disk.delete(LsmFormat.sstPath(DIR, number));
        assertThatThrownBy(() -> Stores.open(disk, false, PROPS)).isInstanceOf(CorruptionException.class)
                .hasMessageContaining("missing");
    }
}
