package io.durakv.lsm;

import io.durakv.api.StoreException;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static io.durakv.lsm.SstTables.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TableCacheTest {

    private static final int TABLES = 12;

    /** Counts the files open through it at each moment, and the most ever open at once. */
    private static final class OpenFilesDisk extends ForwardingDisk {
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();

        OpenFilesDisk(Disk delegate) {
            super(delegate);
        }

        @Override
        public DiskFile open(Path file, OpenMode mode) throws IOException {
            DiskFile f = super.open(file, mode);
            most.accumulateAndGet(open.incrementAndGet(), Math::max);
            return f;
        }

        @Override
        protected DiskFile wrap(DiskFile file) {
            return new ForwardingFile(file) {
                private boolean closed;

                @Override
                public synchronized void close() throws IOException {
                    if (!closed) {
                        closed = true;
                        open.decrementAndGet();
                    }
                    super.close();
                }
            };
        }
    }

    private OpenFilesDisk disk;

    private static Path file(int n) {
        return DIR.resolve(String.format("%06d.sst", n));
    }

    @BeforeEach
    void writeTables() throws IOException {
        SimulatedDisk sim = new SimulatedDisk();
        for (int n = 1; n <= TABLES; n++) {
            List<Put> entries = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                entries.add(new Put(key(i), n, EntryKind.PUT, value(8, 100 * n + i)));
            }
            write(sim, file(n), SstOptions.defaults().withBlockBytes(128), entries);
        }
        disk = new OpenFilesDisk(sim);
    }

    private static void checkTable(SstReader reader, int n, int i) throws IOException {
        assertThat(reader.get(key(i), Long.MAX_VALUE).value()).isEqualTo(value(8, 100 * n + i));
    }

    @Test
    void theSameTableIsOpenedOnceAndLeastRecentlyUsedUnpinnedReadersAreClosed() throws Exception {
        try (TableCache cache = new TableCache(disk, 3, new BlockCache(1 << 20))) {
            SstReader first;
            try (TableCache.Handle a = cache.acquire(1, file(1)); TableCache.Handle b = cache.acquire(1, file(1))) {
                assertThat(a.reader()).isSameAs(b.reader());
                first = a.reader();
                checkTable(first, 1, 7);
            }
            assertThat(disk.open.get()).isEqualTo(1);
            for (int n = 2; n <= 4; n++) {
                try (TableCache.Handle h = cache.acquire(n, file(n))) {
                    checkTable(h.reader(), n, n);
                }
            }
            assertThat(first.isClosed()).as("table 1 was the least recently used").isTrue();
            assertThat(cache.openFiles()).isEqualTo(3);
            assertThat(disk.open.get()).isEqualTo(3);
            assertThat(disk.most.get()).isEqualTo(3);
        }
        assertThat(disk.open.get()).isZero();
    }

    /** With every open reader pinned, acquiring another table waits; the pinned readers stay open and usable. */
    @Test
    void aPinnedReaderIsNeverClosedAndAcquireWaitsForAnUnpin() throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (TableCache cache = new TableCache(disk, 2, null)) {
            TableCache.Handle h1 = cache.acquire(1, file(1));
            TableCache.Handle h2 = cache.acquire(2, file(2));
            Future<SstReader> third = other.submit(() -> {
                try (TableCache.Handle h3 = cache.acquire(3, file(3))) {
                    checkTable(h3.reader(), 3, 9);
                    return h3.reader();
                }
            });
            assertThatThrownBy(() -> third.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            assertThat(h1.reader().isClosed()).isFalse();
            assertThat(h2.reader().isClosed()).isFalse();
            checkTable(h1.reader(), 1, 1);
            checkTable(h2.reader(), 2, 2);
            assertThat(disk.most.get()).isEqualTo(2);
            SstReader r2 = h2.reader();
            h2.close();
            SstReader r3 = third.get(10, TimeUnit.SECONDS);
            assertThat(r2.isClosed()).isTrue();
            assertThat(h1.reader().isClosed()).isFalse();
            checkTable(h1.reader(), 1, 3);
            assertThat(r3.isClosed()).isFalse();
            assertThat(disk.most.get()).isEqualTo(2);
            h1.close();
            h1.close(); // idempotent: must not unpin twice
            assertThat(cache.pins()).isZero();
            assertThatThrownBy(h1::reader).isInstanceOf(IllegalStateException.class);
        } finally {
            other.shutdownNow();
        }
    }

    /** A thread that itself pins every open reader would wait for itself forever: it gets an exception instead. */
    @Test
    void aThreadHoldingEveryPinGetsAnErrorInsteadOfWaitingForItself() throws Exception {
        try (TableCache cache = new TableCache(disk, 2, null);
             TableCache.Handle h1 = cache.acquire(1, file(1));
             TableCache.Handle h2 = cache.acquire(2, file(2))) {
            assertThatThrownBy(() -> cache.acquire(3, file(3))).isInstanceOf(StoreException.class)
                    .hasMessageContaining("pinned by this thread");
            assertThat(cache.openFiles()).isEqualTo(2);
            checkTable(h1.reader(), 1, 0);
            checkTable(h2.reader(), 2, 0);
        }
    }

    @Test
    void evictingAPinnedTableClosesItAtUnpinAndDropsItsBlocks() throws Exception {
        BlockCache blocks = new BlockCache(1 << 20);
        try (TableCache cache = new TableCache(disk, 4, blocks)) {
            TableCache.Handle h = cache.acquire(5, file(5));
            checkTable(h.reader(), 5, 1);
            try (TableCache.Handle other = cache.acquire(6, file(6))) {
                checkTable(other.reader(), 6, 1);
            }
            cache.evict(5);
            long table6Blocks = blocks.usedBytes();
            assertThat(table6Blocks).isPositive();
            SstReader r5 = h.reader();
            assertThat(r5.isClosed()).isFalse();
            checkTable(r5, 5, 40); // still readable while pinned; reads another block into the cache
            assertThat(blocks.usedBytes()).isGreaterThan(table6Blocks);
            h.close();
            assertThat(r5.isClosed()).isTrue();
            assertThat(cache.openFiles()).isEqualTo(1);
            assertThat(blocks.usedBytes()).isEqualTo(table6Blocks);
            cache.evict(6);
            assertThat(cache.openFiles()).isZero();
            assertThat(blocks.usedBytes()).isZero();
        }
    }

    @Test
    void aTableThatCannotBeOpenedTakesNoSlot() throws Exception {
        try (TableCache cache = new TableCache(disk, 1, null)) {
            assertThatThrownBy(() -> cache.acquire(99, DIR.resolve("missing.sst")))
                    .isInstanceOf(NoSuchFileException.class);
            assertThat(cache.openFiles()).isZero();
            try (TableCache.Handle h = cache.acquire(1, file(1))) {
                checkTable(h.reader(), 1, 2);
            }
        }
        assertThatThrownBy(() -> new TableCache(disk, 0, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closingTheCacheClosesUnpinnedReadersNowAndPinnedOnesAtUnpin() throws Exception {
        TableCache cache = new TableCache(disk, 4, null);
        TableCache.Handle pinned = cache.acquire(1, file(1));
        cache.acquire(2, file(2)).close();
        cache.close();
        assertThat(disk.open.get()).isEqualTo(1);
        checkTable(pinned.reader(), 1, 4);
        pinned.close();
        assertThat(disk.open.get()).isZero();
        assertThatThrownBy(() -> cache.acquire(3, file(3))).isInstanceOf(IllegalStateException.class);
    }

    /** Threads acquiring, reading and releasing random tables: never more files open than the limit. */
    @Test
    void concurrentUseNeverExceedsTheOpenFileLimit() throws Exception {
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (TableCache cache = new TableCache(disk, 4, new BlockCache(8 << 10))) {
            List<CompletableFuture<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                done.add(CompletableFuture.supplyAsync(() -> {
                    Random random = new Random(seed);
                    int reads = 0;
                    try {
                        for (int i = 0; i < 400; i++) {
                            int n = 1 + random.nextInt(TABLES);
                            try (TableCache.Handle h = cache.acquire(n, file(n))) {
                                checkTable(h.reader(), n, random.nextInt(50));
                                assertThat(h.reader().isClosed()).isFalse();
                                reads++;
                            }
                            if (i % 50 == 0) {
                                cache.evict(1 + random.nextInt(TABLES)); // as if deleted and re-created
                            }
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                    return reads;
                }, pool));
            }
            for (CompletableFuture<Integer> f : done) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(400);
            }
            assertThat(disk.most.get()).isBetween(2, 4);
            assertThat(cache.pins()).isZero();
        } finally {
            pool.shutdownNow();
        }
        assertThat(disk.open.get()).isZero();
    }
}
