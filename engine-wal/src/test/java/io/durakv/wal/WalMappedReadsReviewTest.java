package io.durakv.wal;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static io.durakv.wal.WalTesting.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Review of mapped reads ({@link WalOptions#mappedReads()}): races of {@link WriteAheadLog#readAt} with each other, with
 * truncation and with close; interrupted readers; growing segments; files cut short from outside; offsets whose
 * arithmetic overflows; {@link FramedFile.Reader} closed under readers; mappings left behind ({@code /proc/self/maps}).
 * The mapping checks run where the local disk maps reads (Java 22+: the mapped-writes profile's Java 25 run).
 */
class WalMappedReadsReviewTest {

    private static final Path MAPS = Path.of("/proc/self/maps");

    @TempDir
    Path dir;

    private static List<String> mappings(Path under) throws IOException {
        return WalMappedReadsTest.mappings(under);
    }

    private static void assumeMappedReads() {
        assumeTrue(Files.isReadable(MAPS), "needs Linux's /proc/self/maps");
        assumeTrue(LocalDisk.mapsReads(), "this JVM gets no read mappings");
    }

    private static WalOptions options(SyncMode mode) {
        return WalTesting.small(mode, LocalDisk.INSTANCE).build();
    }

    /**
     * Readers racing to open a segment's read handle: the loser of the race must close its own mapping too, not only its
     * file, or the mapping stays (a shared arena is released by nothing but its close) until the JVM exits, keeping a
     * truncated segment's blocks allocated.
     */
    @Test
    void readersRacingToOpenASegmentLeaveNoMappingBehind() throws Exception {
        assumeMappedReads();
        int threads = 6;
        List<WalPosition> firsts = new ArrayList<>();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(SyncMode.SYNC))) {
            for (int i = 0; i < 40 * 60; i++) {
                WalPosition p = wal.appendWithPosition(record(i, 1000));
                if (firsts.isEmpty() || firsts.get(firsts.size() - 1).segment() != p.segment()) {
                    firsts.add(p);
                }
            }
            assertThat(firsts).hasSizeGreaterThan(20);
            CyclicBarrier start = new CyclicBarrier(threads);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ts.add(new Thread(() -> {
                    try {
                        for (WalPosition p : firsts) {
                            start.await();
                            assertThat(wal.readAt(p)).isEqualTo(record(p.lsn() - 1, 1000));
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        start.reset();
                    }
                }));
            }
            ts.forEach(Thread::start);
            for (Thread t : ts) {
                t.join();
            }
            assertThat(failure.get()).isNull();
            assertThat(mappings(dir)).as("one mapping per segment read").hasSize(firsts.size());
        }
        assertThat(mappings(dir)).as("close releases every mapping").isEmpty();
    }

    /** An offset near Long.MAX_VALUE: {@code offset + length} overflows; the read must be refused, not an index error. */
    @Test
    void anOffsetWhoseEndOverflowsIsRefusedAsCorruptionNotAnIndexError() {
        for (boolean mapped : new boolean[] {true, false}) {
            Path logDir = dir.resolve("log-" + mapped);
            try (WriteAheadLog wal = WriteAheadLog.open(logDir,
                    WalTesting.small(SyncMode.SYNC, LocalDisk.INSTANCE).mappedReads(mapped).build())) {
                WalPosition p = wal.appendWithPosition(record(1, 100));
                assertThat(wal.readAt(p)).isEqualTo(record(1, 100));
                for (long offset : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 5, Long.MAX_VALUE - 4000,
                        Long.MIN_VALUE, -1}) {
                    WalPosition bad = new WalPosition(p.lsn(), p.segment(), offset);
                    assertThatThrownBy(() -> wal.readAt(bad)).as("offset %d, mapped %s", offset, mapped)
                            .isInstanceOf(CorruptionException.class);
                    assertThatThrownBy(() -> wal.readAt(bad, 1)).as("offset %d, mapped %s", offset, mapped)
                            .isInstanceOf(CorruptionException.class);
                }
                assertThat(wal.readAt(p)).isEqualTo(record(1, 100));
            }
        }
    }
    private static int sizeOf(long lsn) {
        return 50 + (int) (lsn * 37 % 3000);
    }

    /**
     * Readers of random and of the newest positions race an appender (NONE: the active segment is written through a
     * write mapping), truncation (segments deleted and recycled) and finally close: every read returns the record's
     * bytes, or throws IllegalArgumentException (a truncated segment) or StoreClosedException (after close); never other
     * bytes, never another exception; and no mapping is left.
     */
    @Test
    void readsRacingAppendsTruncationAndCloseReturnTheRightBytesOrTheDocumentedExceptions() throws Exception {
        for (SyncMode mode : new SyncMode[] {SyncMode.NONE, SyncMode.BATCH, SyncMode.SYNC}) {
            Path logDir = dir.resolve(mode.name());
            WriteAheadLog wal = WriteAheadLog.open(logDir, options(mode));
            List<WalPosition> written = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean closed = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            ConcurrentHashMap<String, Integer> outcomes = new ConcurrentHashMap<>();
            List<Thread> ts = new ArrayList<>();
            ts.add(new Thread(() -> {
                try {
                    long lsn = 1;
                    while (!stop.get()) {
                        WalPosition p = wal.appendWithPosition(record(lsn, sizeOf(lsn)));
                        assertThat(p.lsn()).isEqualTo(lsn);
                        // Readable at once after the append returns, whatever the sync mode.
                        assertThat(wal.readAt(p)).isEqualTo(record(lsn, sizeOf(lsn)));
                        written.add(p);
                        lsn++;
                        if (lsn % 97 == 0) {
                            wal.truncateBefore(Math.max(1, lsn - 150));
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "appender"));
            for (int r = 0; r < 4; r++) {
                boolean newest = r % 2 == 0;
                ts.add(new Thread(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (failure.get() == null) {
                        WalPosition p;
                        synchronized (written) {
                            if (written.isEmpty()) {
                                continue;
                            }
                            int n = written.size();
                            p = written.get(newest ? n - 1 - random.nextInt(Math.min(n, 5)) : random.nextInt(n));
                        }
                        try {
                            byte[] got = wal.readAt(p, random.nextBoolean() ? 1 : 4096);
                            if (!java.util.Arrays.equals(got, record(p.lsn(), sizeOf(p.lsn())))) {
                                throw new AssertionError("wrong bytes for " + p);
                            }
                            outcomes.merge("read", 1, Integer::sum);
                        } catch (IllegalArgumentException truncated) {
                            outcomes.merge("truncated", 1, Integer::sum);
                        } catch (StoreClosedException e) {
                            if (!closed.get()) {
                                failure.compareAndSet(null, e);
                            }
                            return;
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                            return;
                        }
                    }
                }, "reader-" + r));
            }
            ts.forEach(Thread::start);
            long deadline = System.nanoTime() + 30_000_000_000L;
            Thread.sleep(1000);
            while (written.size() < 1000 && failure.get() == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            stop.set(true);
            ts.get(0).join();
            assertThat(failure.get()).as("%s", mode).isNull();
            assertThat(written).hasSizeGreaterThanOrEqualTo(1000);
            WalPosition gone = written.get(0);
            assertThatThrownBy(() -> wal.readAt(gone)).as("truncated").isInstanceOf(IllegalArgumentException.class);
            closed.set(true);
            wal.close();
            for (Thread t : ts) {
                t.join(10_000);
                assertThat(t.isAlive()).as(t.getName()).isFalse();
            }
            assertThat(failure.get()).as("%s", mode).isNull();
            assertThat(outcomes.get("read")).as("%s", mode).isGreaterThan(1000);
            if (Files.isReadable(MAPS)) {
                assertThat(mappings(logDir)).as("%s: close releases every mapping", mode).isEmpty();
            }
        }
    }

    /**
     * An interrupted reader: a copy out of a mapping is no channel call and succeeds (the flag stays); a read past the
     * mapped part of a growing segment is a read call, fails with ClosedByInterruptException (a StoreException) and
     * drops the handle with its mapping; the next read opens a new one.
     */
    @Test
    void anInterruptedReaderOfAGrowingSegmentDropsTheHandleAndItsMapping() throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(dir,
                WalTesting.small(SyncMode.SYNC, LocalDisk.INSTANCE).preallocate(false).build())) {
            WalPosition first = wal.appendWithPosition(record(1, 500));
            assertThat(wal.readAt(first)).isEqualTo(record(1, 500));
            List<WalPosition> later = new ArrayList<>();
            for (int i = 2; i < 20; i++) {
                later.add(wal.appendWithPosition(record(i, 500)));
            }
            assertThat(later.get(later.size() - 1).segment()).isEqualTo(first.segment());
            Thread.currentThread().interrupt();
            try {
                if (LocalDisk.mapsReads()) {
                    assertThat(wal.readAt(first, 1)).as("copied out of the mapping").isEqualTo(record(1, 500));
                    assertThat(Thread.currentThread().isInterrupted()).isTrue();
                }
                assertThatThrownBy(() -> wal.readAt(later.get(10))).isInstanceOf(StoreException.class)
                        .hasCauseInstanceOf(ClosedChannelException.class);
            } finally {
                Thread.interrupted();
            }
            for (int i = 0; i < later.size(); i++) {
                assertThat(wal.readAt(later.get(i))).isEqualTo(record(i + 2, 500));
            }
            assertThat(wal.readAt(first)).isEqualTo(record(1, 500));
            if (Files.isReadable(MAPS)) {
                assertThat(mappings(dir)).as("the dropped handle's mapping is released")
                        .hasSize(LocalDisk.mapsReads() ? 1 : 0);
            }
        }
        if (Files.isReadable(MAPS)) {
            assertThat(mappings(dir)).isEmpty();
        }
    }

    /**
     * A sealed segment cut short from outside while mapped: reads of pages past the new end fail (StoreException with
     * an IOException cause, or CorruptionException), reads before it return the right bytes; never other bytes, and the
     * JVM lives on.
     */
    @Test
    void aSegmentCutShortFromOutsideWhileMappedFailsReadsPastTheCutNeverReturnsWrongBytes() throws IOException {
        for (boolean mapped : new boolean[] {true, false}) {
            Path logDir = dir.resolve("cut-" + mapped);
            try (WriteAheadLog wal = WriteAheadLog.open(logDir,
                    WalTesting.small(SyncMode.SYNC, LocalDisk.INSTANCE).mappedReads(mapped).build())) {
                List<WalPosition> at = new ArrayList<>();
                for (int i = 1; i <= 100; i++) {
                    at.add(wal.appendWithPosition(record(i, 900)));
                }
                WalPosition first = at.get(0);
                assertThat(wal.readAt(first)).isEqualTo(record(1, 900));
                Path file = logDir.resolve(WalFormat.fileName(first.segment()));
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(8192);
                }
                int failed = 0;
                for (WalPosition p : at) {
                    if (p.segment() != first.segment()) {
                        continue;
                    }
                    try {
                        assertThat(wal.readAt(p)).isEqualTo(record(p.lsn(), 900));
                        assertThat(p.offset() + WriteAheadLog.frameBytes(900)).as("read past the cut")
                                .isLessThanOrEqualTo(8192 + 4096);
                    } catch (CorruptionException e) {
                        failed++;
                    } catch (StoreException e) {
                        assertThat(e).hasCauseInstanceOf(IOException.class);
                        failed++;
                    }
                }
                assertThat(failed).as("mapped %s", mapped).isGreaterThan(30);
            }
        }
    }

    /**
     * A FramedFile.Reader closed while other threads read through it (as a merge closes readers): each read returns the
     * right bytes or throws ClosedChannelException; never other bytes, never another exception.
     */
    @Test
    void aFramedFileReaderClosedUnderReadersOnlyEverThrowsClosedChannelException() throws Exception {
        Path file = dir.resolve("x.framed");
        List<long[]> written = new ArrayList<>();
        try (FramedFile.Writer w = FramedFile.create(LocalDisk.INSTANCE, file)) {
            for (int i = 0; i < 300; i++) {
                written.add(new long[] {i + 1, w.append(i + 1, record(i + 1, 100 + i * 13))});
            }
            w.finish();
        }
        for (int round = 0; round < 30; round++) {
            FramedFile.Reader reader = FramedFile.openReader(LocalDisk.INSTANCE, file);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CyclicBarrier start = new CyclicBarrier(4);
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                ts.add(new Thread(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    try {
                        start.await();
                        while (true) {
                            long[] w = written.get(random.nextInt(written.size()));
                            byte[] got = reader.readAt(w[1], w[0], random.nextBoolean() ? 0 : 4096);
                            if (!java.util.Arrays.equals(got, record(w[0], 100 + (int) (w[0] - 1) * 13))) {
                                throw new AssertionError("wrong bytes for " + w[0]);
                            }
                        }
                    } catch (ClosedChannelException expected) {
                        // the reader closed
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            ts.forEach(Thread::start);
            start.await();
            Thread.sleep(round % 5);
            reader.close();
            for (Thread t : ts) {
                t.join(10_000);
                assertThat(t.isAlive()).isFalse();
            }
            assertThat(failure.get()).isNull();
        }
        if (Files.isReadable(MAPS)) {
            assertThat(mappings(dir)).isEmpty();
        }
    }
    /**
     * A disk that cannot map a file now (mmap refused: the process's memory-map areas, vm.max_map_count, are used up):
     * the log and a FramedFile.Reader read through the handle instead of failing every read of the segment.
     */
    @Test
    void aMappingThatCannotBeMadeFallsBackToReadsThroughTheHandle() throws IOException {
        io.durakv.api.testkit.RefusedMappingsDisk noMaps = new io.durakv.api.testkit.RefusedMappingsDisk(LocalDisk.INSTANCE);
        try (WriteAheadLog wal = WriteAheadLog.open(dir.resolve("log"),
                WalTesting.small(SyncMode.SYNC, noMaps).build())) {
            List<WalPosition> at = new ArrayList<>();
            for (int i = 1; i <= 200; i++) {
                at.add(wal.appendWithPosition(record(i, 700)));
            }
            for (WalPosition p : at) {
                assertThat(wal.readAt(p)).isEqualTo(record(p.lsn(), 700));
            }
            assertThat(noMaps.refused()).as("one attempt per segment").isEqualTo(
                    (int) at.stream().map(WalPosition::segment).distinct().count());
        }
        Path file = dir.resolve("x.framed");
        long offset;
        try (FramedFile.Writer w = FramedFile.create(LocalDisk.INSTANCE, file)) {
            offset = w.append(1, record(1, 300));
            w.finish();
        }
        try (FramedFile.Reader r = FramedFile.openReader(noMaps, file)) {
            assertThat(r.readAt(offset, 1, 0)).isEqualTo(record(1, 300));
        }
    }
    /**
     * A segment read (mapped), truncated into the recycling pool and reused by rotation as a new segment (the same
     * inode, a new name): the old handle and its mapping are gone, the new segment's records read back right, and the
     * file is mapped at most once, for the new segment.
     */
    @Test
    void aRecycledSegmentIsNeverReadThroughItsFormerMapping() throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(SyncMode.SYNC))) {
            List<WalPosition> at = new ArrayList<>();
            for (int i = 1; i <= 200; i++) {
                WalPosition p = wal.appendWithPosition(record(i, 1500));
                at.add(p);
                assertThat(wal.readAt(p)).isEqualTo(record(i, 1500));
            }
            long segments = at.stream().map(WalPosition::segment).distinct().count();
            assertThat(segments).isGreaterThan(3);
            long inodeOfFirst = (Long) Files.getAttribute(dir.resolve(WalFormat.fileName(at.get(0).segment())),
                    "unix:ino");
            wal.truncateBefore(at.get(at.size() - 1).lsn());
            assertThatThrownBy(() -> wal.readAt(at.get(0))).isInstanceOf(IllegalArgumentException.class);
            List<WalPosition> after = new ArrayList<>();
            for (int i = 201; i <= 400; i++) {
                WalPosition p = wal.appendWithPosition(record(i, 1500));
                after.add(p);
                assertThat(wal.readAt(p)).isEqualTo(record(i, 1500));
            }
            boolean reused = false;
            for (Path f : WalTesting.segmentFiles(dir)) {
                reused |= (Long) Files.getAttribute(f, "unix:ino") == inodeOfFirst;
            }
            assertThat(reused).as("the first segment's file was recycled into a new segment").isTrue();
            for (WalPosition p : after) {
                assertThat(wal.readAt(p)).isEqualTo(record(p.lsn(), 1500));
            }
            assertThatThrownBy(() -> wal.readAt(at.get(0))).isInstanceOf(IllegalArgumentException.class);
            if (Files.isReadable(MAPS)) {
                List<String> maps = mappings(dir);
                assertThat(maps).as("each file mapped at most once").doesNotHaveDuplicates();
                assertThat(maps).allMatch(m -> m.endsWith(".log"));
            }
        }
    }
    /**
     * Readers interrupted at random while others read the same segments (growing: reads past the mapped part are read
     * calls, so an interrupt closes the shared handle, and the interrupted path closes its mapping under other readers):
     * every read returns the right bytes or throws StoreException caused by ClosedChannelException; reads work again
     * afterwards, and no mapping is left after close.
     */
    @Test
    void readersInterruptedAtRandomOnlyEverFailWithAClosedChannelAndLeaveNoMapping() throws Exception {
        Path logDir = dir.resolve("interrupts");
        try (WriteAheadLog wal = WriteAheadLog.open(logDir,
                WalTesting.small(SyncMode.SYNC, LocalDisk.INSTANCE).preallocate(false).build())) {
            List<WalPosition> at = new ArrayList<>();
            for (int i = 1; i <= 150; i++) {
                at.add(wal.appendWithPosition(record(i, 800)));
                if (i % 10 == 0) {
                    wal.readAt(at.get(i - 1)); // opens handles that map only part of a growing segment
                }
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            java.util.concurrent.atomic.AtomicInteger failedReads = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                readers.add(new Thread(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (!stop.get()) {
                        WalPosition p = at.get(random.nextInt(at.size()));
                        try {
                            if (!java.util.Arrays.equals(wal.readAt(p), record(p.lsn(), 800))) {
                                failure.compareAndSet(null, new AssertionError("wrong bytes for " + p));
                            }
                        } catch (StoreException e) {
                            if (!(e.getCause() instanceof ClosedChannelException) || e instanceof CorruptionException) {
                                failure.compareAndSet(null, e);
                            }
                            failedReads.incrementAndGet();
                            Thread.interrupted(); // the flag stays set until a read fails of it
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    }
                    Thread.interrupted();
                }));
            }
            readers.forEach(Thread::start);
            long end = System.nanoTime() + 1_500_000_000L;
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (System.nanoTime() < end && failure.get() == null) {
                readers.get(random.nextInt(readers.size())).interrupt();
                Thread.sleep(0, 200_000);
            }
            stop.set(true);
            for (Thread t : readers) {
                t.join(10_000);
                assertThat(t.isAlive()).isFalse();
            }
            assertThat(failure.get()).isNull();
            assertThat(failedReads.get()).as("interrupts that failed reads").isPositive();
            for (WalPosition p : at) {
                assertThat(wal.readAt(p)).isEqualTo(record(p.lsn(), 800));
            }
            if (Files.isReadable(MAPS)) {
                assertThat(mappings(logDir)).as("at most one mapping per segment").doesNotHaveDuplicates();
            }
        }
        if (Files.isReadable(MAPS)) {
            assertThat(mappings(logDir)).isEmpty();
        }
    }
}
