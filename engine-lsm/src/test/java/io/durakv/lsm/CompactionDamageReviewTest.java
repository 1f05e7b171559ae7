package io.durakv.lsm;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32C;

import static io.durakv.lsm.Stores.DIR;
import static io.durakv.lsm.Stores.key;
import static io.durakv.lsm.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of round 5's compaction, which reads its inputs block by block (mapped tables too) and copies each key and
 * value straight out of the block into the output: a damaged data block in the middle of an input — a flipped byte
 * (checksum mismatch), or an entry whose value length points one byte past the block's entries behind a valid checksum
 * (the decoder's fast path edge) — stops the compaction with a {@link CorruptionException} naming the input and the
 * block's offset; nothing of it is installed, the store fails stop, and the data reopens as it was.
 */
class CompactionDamageReviewTest {

    private static final String[] NO_COMPACTION = {"lsm.memtableBytes", "4096", "lsm.level0Trigger", "100",
            "lsm.blockBytes", "256", "lsm.closeFlushBytes", "0"};

    private static final int KEYS = 300;

    /** @return the damaged table's path and the damaged block's offset */
    private static Object[] damage(SimulatedDisk disk, long number, boolean structural) throws Exception {
        Path sst = LsmFormat.sstPath(DIR, number);
        long offset;
        int size;
        try (SstReader r = SstReader.open(disk, sst, number, null)) {
            assertThat(r.index().size()).as("blocks").isGreaterThan(3);
            int b = r.index().size() / 2; // a block in the middle: reached by a scan moving on, not by a seek
            offset = r.index().offset(b);
            size = r.index().blockSize(b);
        }
        byte[] block = new byte[size + SstFormat.TRAILER_SIZE];
        try (DiskFile f = disk.open(sst, OpenMode.READ_WRITE)) {
            f.readFully(offset, ByteBuffer.wrap(block));
            if (structural) {
                int restarts = SstCoding.getIntLE(block, size - 4);
                int end = size - 4 - 4 * restarts;
                int at = 0;
                int last = -1;
                while (at < end) { // one-byte lengths in these tables
                    assertThat(block[at] | block[at + 1] | block[at + 2]).isNotNegative();
                    last = at;
                    at += 3 + block[at + 1] + block[at + 2];
                }
                block[last + 2]++; // the last entry's value runs one byte past the entries
                CRC32C crc = new CRC32C();
                crc.update(block, 0, size + 1);
                SstCoding.putIntLE(block, size + 1, (int) crc.getValue());
            } else {
                block[size / 2] ^= 0x10;
            }
            f.write(offset, ByteBuffer.wrap(block));
            f.force(true);
        }
        return new Object[] {sst, offset};
    }

    private static CorruptionException corruptionIn(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CorruptionException ce) {
                return ce;
            }
        }
        throw new AssertionError("no CorruptionException in the chain", t);
    }

    @ParameterizedTest(name = "mapped {0}, structural {1}")
    @CsvSource({"false, false", "true, false", "false, true", "true, true"})
    void aDamagedBlockInACompactionInputIsCorruptionNamingTheFileAndOffset(boolean mapped, boolean structural)
            throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        String[] props = with(NO_COMPACTION, mapped, "100");
        long victim;
        try (LsmStore s = Stores.open(disk, false, props)) {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < KEYS; i++) {
                    s.put(key(i), value(i, round));
                }
            }
            assertThat(s.versions.current().files(0).size()).isGreaterThan(3);
            victim = s.versions.current().files(0).get(1).number;
        }
        Object[] where = damage(disk, victim, structural);
        Path sst = (Path) where[0];
        long offset = (Long) where[1];
        Set<Long> before = new HashSet<>();
        try (LsmStore s = Stores.open(disk, false, with(NO_COMPACTION, mapped, "100"))) {
            s.versions.current().allFiles().forEach(f -> before.add(f.number));
        }
        Throwable failure;
        LsmStore s = null;
        try {
            s = Stores.open(disk, false, with(NO_COMPACTION, mapped, "2")); // compacts L0 at once
            failure = s.state.failure();
            if (failure == null) {
                LsmStore store = s;
                failure = org.assertj.core.api.Assertions.catchThrowable(() -> store.put(key(1), value(1, 9)));
            }
        } catch (StoreException e) {
            failure = e;
        } finally {
            if (s != null) {
                try {
                    s.close();
                } catch (StoreException e) {
                    // a failed store's close may report the failure again
                }
            }
        }
        assertThat(failure).as("the compaction over the damaged table failed the store").isNotNull();
        CorruptionException c = corruptionIn(failure);
        assertThat(c.file()).isEqualTo(sst);
        assertThat(c.offset()).isEqualTo(offset);
        try (LsmStore again = Stores.open(disk, false, with(NO_COMPACTION, mapped, "100"))) {
            Set<Long> after = new HashSet<>();
            again.versions.current().allFiles().forEach(f -> after.add(f.number));
            assertThat(after).as("nothing of the failed compaction installed").isEqualTo(before);
            int damaged = 0;
            for (int i = 0; i < KEYS; i++) {
                try {
                    assertThat(again.get(key(i))).as("key %d", i).isEqualTo(value(i, 1));
                } catch (CorruptionException e) {
                    assertThat(e.file()).isEqualTo(sst);
                    damaged++;
                }
            }
            assertThat(damaged).as("keys whose newest version is in the damaged block").isPositive();
        }
    }

    private static String[] with(String[] base, boolean mapped, String trigger) {
        String[] p = java.util.Arrays.copyOf(base, base.length + 4);
        for (int i = 0; i < base.length; i += 2) {
            if (base[i].equals("lsm.level0Trigger")) {
                p[i + 1] = trigger;
            }
        }
        p[base.length] = "lsm.mappedReads";
        p[base.length + 1] = Boolean.toString(mapped);
        p[base.length + 2] = "lsm.blockCacheBytes";
        p[base.length + 3] = "0";
        return p;
    }
}
