package io.durakv.lsm;

import io.durakv.api.StoreException;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.LocalDisk;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.durakv.lsm.SstTables.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SstReaderTest {

    private static final Path FILE = DIR.resolve("000012.sst");

    /**
     * On the local disk (Java 22+) data blocks come out of a read mapping of the whole table, with the same entries as
     * read calls give; a read after close fails. On a simulated disk every block read is a read call the disk sees
     * (the crash, fault and corruption suites keep seeing every read).
     */
    @Test
    void dataBlocksAreReadThroughAMappingOfTheTableThatClosesWithTheReader(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("000012.sst");
        List<Put> entries = entries(3000, 40);
        write(LocalDisk.INSTANCE, file, SstOptions.defaults().withBlockBytes(512), entries);
        SstReader r = SstReader.open(LocalDisk.INSTANCE, file, 12, null);
        try {
            assertThat(r.mapped()).isEqualTo(LocalDisk.mapsReads());
            for (Put p : entries) {
                SstEntry e = r.get(p.key(), p.sequence());
                assertThat(e).isNotNull();
                assertThat(e.sequence()).isEqualTo(p.sequence());
                assertThat(e.value()).isEqualTo(p.value());
            }
            int n = 0;
            try (InternalIterator it = r.iterator(false)) {
                for (it.seekToFirst(); it.valid(); it.next(), n++) {
                    assertThat(it.key()).isEqualTo(entries.get(n).key());
                    assertThat(it.value()).isEqualTo(entries.get(n).value());
                }
            }
            assertThat(n).isEqualTo(entries.size());
            r.verify();
        } finally {
            r.close();
        }
        assertThat(r.isClosed()).isTrue();
        assertThatThrownBy(() -> r.get(entries.get(0).key(), Long.MAX_VALUE)).isInstanceOf(IllegalStateException.class);

        SimulatedDisk disk = new SimulatedDisk();
        write(disk, FILE, SstOptions.defaults().withBlockBytes(512), entries);
        try (SstReader s = SstReader.open(disk, FILE, 12, null)) {
            assertThat(s.mapped()).isFalse();
            long reads = disk.calls(DiskOp.READ);
            assertThat(s.get(entries.get(1500).key(), Long.MAX_VALUE)).isNotNull();
            assertThat(disk.calls(DiskOp.READ)).isEqualTo(reads + 1);
        }
    }

    /** A get the bloom filter rules out reads nothing from the file and touches no cached block. */
    @Test
    void getChecksTheBloomFilterBeforeReadingAnyBlock() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        write(disk, FILE, SstOptions.defaults(), entries(1000, 10));
        BlockCache cache = new BlockCache(1 << 20);
        try (SstReader r = SstReader.open(disk, FILE, 12, cache)) {
            long reads = disk.calls(DiskOp.READ);
            int negatives = 0;
            for (int i = 1000; i < 3000; i++) {
                byte[] absent = key(i);
                if (!r.mayContain(absent)) {
                    negatives++;
                    assertThat(r.get(absent, Long.MAX_VALUE)).isNull();
                }
            }
            assertThat(negatives).isGreaterThan(1900);
            assertThat(disk.calls(DiskOp.READ)).isEqualTo(reads);
            assertThat(cache.hits() + cache.misses()).isZero();
        }
    }

    /**
     * A compaction's iterator (fillCache false) uses cached blocks but adds none, and hands out values it gave up
     * ({@code takeValue}); a scan's iterator fills the cache.
     */
    @Test
    void anIteratorThatDoesNotFillTheCacheReadsEveryEntryAndCachesNothing() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        List<Put> entries = entries(1000, 10);
        write(disk, FILE, SstOptions.defaults(), entries);
        BlockCache cache = new BlockCache(1 << 20);
        try (SstReader r = SstReader.open(disk, FILE, 12, cache)) {
            int n = 0;
            try (InternalIterator it = r.iterator(false)) {
                for (it.seekToFirst(); it.valid(); it.next(), n++) {
                    Put e = entries.get(n);
                    assertThat(it.key()).isEqualTo(e.key());
                    assertThat(it.sequence()).isEqualTo(e.sequence());
                    byte[] taken = it.takeValue();
                    assertThat(taken).isEqualTo(e.value());
                    if (taken != null) {
                        taken[0] ^= 1; // the caller owns it: the iterator hands out a fresh copy next time
                        assertThat(it.value()).isEqualTo(e.value());
                    }
                }
            }
            assertThat(n).isEqualTo(entries.size());
            assertThat(cache.size()).as("blocks cached by a compaction's read").isZero();
            assertThat(cache.misses()).isPositive();
            try (InternalIterator it = r.iterator()) {
                for (it.seekToFirst(); it.valid(); it.next()) {
                    it.key();
                }
            }
            assertThat(cache.size()).as("blocks cached by a scan").isEqualTo(r.index().size());
        }
    }

    @Test
    void manyThreadsGetConcurrently() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        List<Put> entries = entries(3000, 20);
        write(disk, FILE, SstOptions.defaults().withBlockBytes(256), entries);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (SstReader r = SstReader.open(disk, FILE, 12, new BlockCache(16 << 10))) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                results.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    int checked = 0;
                    for (int i = 0; i < 5000; i++) {
                        int k = random.nextInt(3000);
                        SstEntry newest = r.get(key(k), Long.MAX_VALUE);
                        if (k % 5 == 0) {
                            assertThat(newest.kind()).isEqualTo(EntryKind.DELETE);
                            assertThat(newest.sequence()).isEqualTo(3L * k + 3);
                        }
                        SstEntry put = r.get(key(k), 3L * k + 2);
                        assertThat(put.value()).isEqualTo(value(20, k));
                        assertThat(r.get(key(k), 3L * k + 1)).isNull();
                        checked++;
                    }
                    return checked;
                }));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get()).isEqualTo(5000);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClosedReaderAndItsIteratorsRefuseReads() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        write(disk, FILE, SstOptions.defaults(), entries(10, 10));
        SstReader r = SstReader.open(disk, FILE, 12, null);
        InternalIterator it = r.iterator();
        it.seekToFirst();
        assertThat(it.valid()).isTrue();
        it.close();
        it.close();
        assertThatThrownBy(it::valid).isInstanceOf(IllegalStateException.class);
        r.close();
        r.close();
        assertThat(r.isClosed()).isTrue();
        assertThatThrownBy(() -> r.get(key(1), 5)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(r::iterator).isInstanceOf(IllegalStateException.class);
    }

    /** InternalIterator has no checked exceptions: a failed read surfaces as a StoreException with the cause. */
    @Test
    void anIteratorReportsAFailedReadAsAStoreException() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        write(disk, FILE, SstOptions.defaults().withBlockBytes(64), entries(50, 10));
        try (SstReader r = SstReader.open(disk, FILE, 12, null); InternalIterator it = r.iterator()) {
            it.seekToFirst();
            disk.inject(FaultRule.fromNthCall(DiskOp.READ, "\\.sst$", 1));
            assertThatThrownBy(() -> {
                while (it.valid()) {
                    it.next();
                }
            }).isInstanceOf(StoreException.class).hasCauseInstanceOf(IOException.class)
                    .hasMessageContaining(FILE.toString());
            assertThat(it.valid()).isFalse();
            assertThatThrownBy(() -> r.get(key(40), Long.MAX_VALUE)).isInstanceOf(IOException.class);
            disk.clearFaults();
            it.seek(key(40));
            assertThat(it.key()).isEqualTo(key(40));
            assertThat(r.get(key(41), Long.MAX_VALUE).value()).isEqualTo(value(10, 41));
        }
    }

    /**
     * A scan reads runs of blocks in one call (read-ahead, doubling up to {@link SstIterator#MAX_READ_AHEAD}), and
     * checks each block only when it gets there: a damaged block that was read ahead fails the scan that reaches it,
     * naming the file and the block's offset, and does not fail a scan that stops before it.
     */
    @Test
    void aScanReadsAheadInFewCallsAndChecksEachBlockOnlyWhenItGetsThere() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        List<Put> entries = entries(20_000, 40);
        write(disk, FILE, SstOptions.defaults().withBlockBytes(512), entries);
        int damaged;
        long damagedAt;
        try (SstReader r = SstReader.open(disk, FILE, 12, null)) {
            int blocks = r.index().size();
            assertThat(blocks).isGreaterThan(1000);
            long reads = disk.calls(DiskOp.READ);
            int n = 0;
            try (InternalIterator it = r.iterator()) {
                for (it.seekToFirst(); it.valid(); it.next(), n++) {
                    assertThat(it.key()).isEqualTo(entries.get(n).key());
                    assertThat(it.value()).isEqualTo(entries.get(n).value());
                }
            }
            assertThat(n).isEqualTo(entries.size());
            long scanReads = disk.calls(DiskOp.READ) - reads;
            assertThat(scanReads).as("read calls for %d blocks", blocks).isLessThan(blocks / 50);
            // A seek then a scan from the middle: the same entries, read ahead too.
            n = 10_000;
            try (InternalIterator it = r.iterator()) {
                for (it.seek(entries.get(n).key()); it.valid(); it.next(), n++) {
                    assertThat(it.key()).isEqualTo(entries.get(n).key());
                }
            }
            assertThat(n).isEqualTo(entries.size());
            damaged = blocks / 2;
            damagedAt = r.index().offset(damaged);
        }
        var f = disk.open(FILE, io.durakv.api.io.OpenMode.READ_WRITE);
        try {
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            f.readFully(damagedAt + 3, one);
            one.put(0, (byte) (one.get(0) ^ 0x10)).rewind();
            f.write(damagedAt + 3, one);
        } finally {
            f.close();
        }
        try (SstReader r = SstReader.open(disk, FILE, 12, null)) {
            int stop = 0; // the last entry before the damaged block
            while (r.index().find(entries.get(stop + 1).key(), entries.get(stop + 1).sequence()) < damaged) {
                stop++;
            }
            try (InternalIterator it = r.iterator()) {
                it.seekToFirst();
                for (int n = 0; n < stop; n++) {
                    it.next(); // the read-ahead has read the damaged block with the ones before it by the end
                }
                assertThat(it.key()).isEqualTo(entries.get(stop).key());
            }
            try (InternalIterator it = r.iterator()) {
                it.seekToFirst();
                assertThatThrownBy(() -> {
                    while (it.valid()) {
                        it.next();
                    }
                }).isInstanceOf(io.durakv.api.CorruptionException.class)
                        .hasMessageContaining(FILE.toString()).hasMessageContaining("checksum mismatch")
                        .satisfies(e -> assertThat(((io.durakv.api.CorruptionException) e).offset())
                                .isEqualTo(damagedAt));
            }
        }
    }

    @Test
    void anUnpositionedIteratorHasNoEntry() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        write(disk, FILE, SstOptions.defaults(), entries(10, 10));
        try (SstReader r = SstReader.open(disk, FILE, 12, null); InternalIterator it = r.iterator()) {
            assertThat(it.valid()).isFalse();
            assertThatThrownBy(it::key).isInstanceOf(IllegalStateException.class);
            it.seek(key(100));
            assertThat(it.valid()).isFalse();
            it.seek(new byte[0]);
            assertThat(it.key()).isEqualTo(key(0));
            assertThat(it.kind()).isEqualTo(EntryKind.DELETE);
            assertThat(it.value()).isNull();
            it.next();
            assertThat(it.key()).isEqualTo(key(0));
            assertThat(it.value()).isEqualTo(value(10, 0));
        }
    }
}
