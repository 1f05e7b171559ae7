package io.durakv.bitcask;

import io.durakv.api.StoreOptions;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import io.durakv.api.CorruptionException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.durakv.bitcask.Stores.DIR;
import static io.durakv.bitcask.Stores.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Gets from merged data files go through one open handle per generation: opened once, closed right before a later
 * merge deletes the file and at close, and a damaged frame still fails with the file and offset.
 */
class MergedFilesTest {

    /** Counts opens of merged data files for reading. */
    private static final class OpenCounting extends ForwardingDisk {
        final AtomicInteger mergedReads = new AtomicInteger();

        OpenCounting(SimulatedDisk disk) {
            super(disk);
        }

        @Override
        public DiskFile open(Path file, OpenMode mode) throws IOException {
            if (mode == OpenMode.READ && BitcaskFormat.parseMergeName(file.getFileName().toString()) >= 0
                    && file.getFileName().toString().equals(BitcaskFormat.mergeDataName(
                    BitcaskFormat.parseMergeName(file.getFileName().toString())))) {
                mergedReads.incrementAndGet();
            }
            return super.open(file, mode);
        }
    }

    private static BitcaskStore open(ForwardingDisk disk) {
        // Cache off: every get reads its file.
        return BitcaskStore.open(DIR, StoreOptions.builder().disk(disk).build(),
                new BitcaskConfig(65536, Double.POSITIVE_INFINITY, false, 0));
    }

    @Test
    void getsFromAMergedFileShareOneHandleClosedBeforeTheFileIsDeleted() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        OpenCounting disk = new OpenCounting(sim);
        Map<Integer, byte[]> model = new HashMap<>();
        try (BitcaskStore s = open(disk)) {
            for (int round = 1; round <= 3; round++) {
                for (int i = 0; i < 300; i++) {
                    byte[] v = Stores.value(i, round, 300);
                    s.put(key(i), v);
                    model.put(i, v);
                }
                s.mergeNow();
                int before = disk.mergedReads.get();
                for (int pass = 0; pass < 3; pass++) {
                    for (int i = 0; i < 300; i++) {
                        assertThat(s.get(key(i))).isEqualTo(model.get(i));
                    }
                }
                assertThat(disk.mergedReads.get() - before).as("opens for 900 gets after merge %d", round)
                        .isLessThanOrEqualTo(1);
                assertThat(s.merged.openCount()).isEqualTo(1);
                assertThat(sim.exists(DIR.resolve(BitcaskFormat.mergeDataName(s.generation)))).isTrue();
                assertThat(s.generation).isEqualTo(round);
                if (round > 1) {
                    assertThat(sim.exists(DIR.resolve(BitcaskFormat.mergeDataName(round - 1))))
                            .as("the replaced generation's file is deleted").isFalse();
                }
            }
            s.close();
            assertThat(s.merged.openCount()).isZero();
        }
    }

    @Test
    void aDamagedFrameInAMergedFileFailsWithFileAndOffsetThroughTheOpenHandle() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        OpenCounting disk = new OpenCounting(sim);
        long location;
        try (BitcaskStore s = open(disk)) {
            for (int i = 0; i < 600; i++) {
                s.put(key(i), Stores.value(i, 1, 200));
            }
            s.mergeNow();
            assertThat(s.generation).isEqualTo(1);
            assertThat(s.get(key(7))).isEqualTo(Stores.value(7, 1, 200)); // opens the handle
            assertThat(s.merged.openCount()).isEqualTo(1);
            s.keysLock.readLock().lock();
            try {
                location = s.keys.location(s.keys.find(key(7)));
            } finally {
                s.keysLock.readLock().unlock();
            }
            Path file = DIR.resolve(BitcaskFormat.mergeDataName(s.generation));
            long at = BitcaskFormat.offset(location) + 40;
            try (DiskFile f = sim.open(file, OpenMode.READ_WRITE)) {
                ByteBuffer b = ByteBuffer.allocate(1);
                f.readFully(at, b);
                f.write(at, ByteBuffer.wrap(new byte[]{(byte) (b.get(0) ^ 4)}));
            }
            assertThatThrownBy(() -> s.get(key(7))).isInstanceOfSatisfying(CorruptionException.class, e -> {
                assertThat(e.file()).isEqualTo(file);
                assertThat(e.offset()).isEqualTo(BitcaskFormat.offset(location));
            });
            assertThat(s.get(key(8))).isEqualTo(Stores.value(8, 1, 200));
        }
    }
}
