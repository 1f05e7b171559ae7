package io.durakv.lsm;

import io.durakv.api.io.DiskOp;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static io.durakv.lsm.SstTables.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BlockCacheTest {

    private static final Path FILE = DIR.resolve("000011.sst");

    private static Block block(int bytes) {
        byte[] data = new byte[bytes];
        // One entry with a 0-byte key part would be invalid, but parse only checks the restart array.
        SstCoding.putIntLE(data, bytes - 8, 0);
        SstCoding.putIntLE(data, bytes - 4, 1);
        return Block.parse(data, bytes, FILE, 0, SstFormat.TYPE_DATA);
    }

    @Test
    void theSumOfCachedBlocksNeverExceedsTheBudgetAndRecentBlocksStay() {
        BlockCache cache = new BlockCache(10_000);
        Random random = new Random(1);
        for (int i = 0; i < 500; i++) {
            cache.put(i % 3, i, block(16 + random.nextInt(3000)));
            assertThat(cache.usedBytes()).isLessThanOrEqualTo(10_000);
        }
        long sum = 0;
        int found = 0;
        for (int i = 0; i < 500; i++) {
            Block b = cache.get(i % 3, i);
            if (b != null) {
                sum += b.charge();
                found++;
            }
        }
        assertThat(found).isEqualTo(cache.size()).isGreaterThan(2);
        assertThat(sum).isEqualTo(cache.usedBytes());
        assertThat(cache.get(499 % 3, 499)).as("the newest block").isNotNull();
    }

    @Test
    void leastRecentlyUsedIsEvictedFirst() {
        BlockCache cache = new BlockCache(300);
        cache.put(1, 0, block(100));
        cache.put(1, 100, block(100));
        cache.put(1, 200, block(100));
        assertThat(cache.get(1, 0)).isNotNull(); // now the most recent
        cache.put(1, 300, block(100));
        assertThat(cache.get(1, 100)).isNull();
        assertThat(cache.get(1, 0)).isNotNull();
        assertThat(cache.get(1, 200)).isNotNull();
        assertThat(cache.get(1, 300)).isNotNull();
        assertThat(cache.hits()).isEqualTo(4);
        assertThat(cache.misses()).isEqualTo(1);
    }

    @Test
    void aBlockLargerThanTheCapacityAndAZeroCapacityCacheCacheNothing() {
        BlockCache cache = new BlockCache(100);
        cache.put(1, 0, block(101));
        assertThat(cache.get(1, 0)).isNull();
        assertThat(cache.usedBytes()).isZero();
        BlockCache off = new BlockCache(0);
        off.put(1, 0, block(16));
        assertThat(off.get(1, 0)).isNull();
        assertThat(off.usedBytes()).isZero();
        assertThatThrownBy(() -> new BlockCache(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void evictFileDropsOnlyThatFilesBlocks() {
        BlockCache cache = new BlockCache(1 << 20);
        for (int i = 0; i < 10; i++) {
            cache.put(i % 2, i, block(100));
        }
        cache.evictFile(0);
        assertThat(cache.usedBytes()).isEqualTo(500);
        for (int i = 0; i < 10; i++) {
            assertThat(cache.get(i % 2, i) != null).isEqualTo(i % 2 == 1);
        }
    }

    /** A second scan of a table is served from the cache: one miss and one hit per data block, no file reads. */
    @Test
    void readersCountHitsAndMissesAndASecondScanReadsNothingFromDisk() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        List<Put> entries = entries(500, 30);
        write(disk, FILE, SstOptions.defaults().withBlockBytes(512), entries);
        BlockCache cache = new BlockCache(1 << 20);
        try (SstReader r = SstReader.open(disk, FILE, 11, cache)) {
            int blocks = r.index().size();
            assertThat(SstWriterTest.readAll(r)).hasSize(entries.size());
            assertThat(cache.misses()).isEqualTo(blocks);
            assertThat(cache.hits()).isZero();
            long reads = disk.calls(DiskOp.READ);
            assertThat(SstWriterTest.readAll(r)).hasSize(entries.size());
            assertThat(disk.calls(DiskOp.READ)).isEqualTo(reads);
            assertThat(cache.hits()).isEqualTo(blocks);
            assertThat(cache.misses()).isEqualTo(blocks);
            assertThat(r.get(key(251), Long.MAX_VALUE).value()).isEqualTo(value(30, 251));
            assertThat(cache.hits()).isEqualTo(blocks + 1);
        }
    }

    /** With a budget of a few blocks, reading a larger table keeps within the budget. */
    @Test
    void aSmallCacheStaysWithinItsBudgetWhileReadingALargeTable() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        List<Put> entries = entries(2000, 30);
        write(disk, FILE, SstOptions.defaults().withBlockBytes(1024), entries);
        BlockCache cache = new BlockCache(5000);
        try (SstReader r = SstReader.open(disk, FILE, 11, cache)) {
            Random random = new Random(3);
            for (int i = 0; i < 3000; i++) {
                int k = random.nextInt(2000);
                assertThat(r.get(key(k), 3L * k + 2).value()).isEqualTo(value(30, k));
                assertThat(cache.usedBytes()).isLessThanOrEqualTo(5000);
            }
            assertThat(cache.size()).isBetween(1, 5);
            assertThat(cache.hits() + cache.misses()).isEqualTo(3000);
        }
    }
}
