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
import java.util.stream.Collectors;

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

    /** Files under {@code under} mapped into this process, one entry per mapping (not distinct). */
    private static List<String> mappings(Path under) throws IOException {
        String root = under.toRealPath() + "/";
        return Files.readAllLines(MAPS).stream().map(line -> line.substring(line.lastIndexOf(' ') + 1))
                .filter(p -> p.startsWith(root)).sorted().collect(Collectors.toList());
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
}
