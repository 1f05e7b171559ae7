package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of the no-space change: many threads append (records of many sizes, some larger than the writer's 1 MiB
 * buffer), sync and truncate while writes, file creations and renames fail at random; a failed write may first put
 * some or all of its bytes into the file. Power is lost at random instants during the run. Checks: no appender,
 * {@code sync()} or {@code close()} hangs; the log never becomes fail-stop; acknowledged LSNs are unique and exactly
 * {@code 1..lastLsn()}; live replay and {@code readAt} give exactly the acknowledged records; every power-loss image
 * recovers to a gap-free run in which each LSN ever acknowledged holds that record, every record acknowledged before
 * the power loss in SYNC mode is present, and any other record is a failed append none of whose successors was
 * acknowledged (issued after its failure) before the power loss.
 */
class WalNoSpaceReviewConcurrencyTest {

    private static final Path ROOT = Path.of("/wal");

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (SyncMode mode : SyncMode.values()) {
            for (long seed = 1; seed <= Long.getLong("review.seeds", 3); seed++) {
                out.add(Arguments.of(mode, seed, seed % 3 == 0));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} seed {1} big {2}")
    @MethodSource("cases")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void concurrentAppendsWithRandomWriteFailuresAndPowerLosses(SyncMode mode, long seed, boolean big)
            throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        FlakyDisk disk = new FlakyDisk(sim, seed);
        WalOptions options = WalOptions.builder().syncMode(mode).disk(disk)
                .segmentBytes(big ? 4L << 20 : SMALL_SEGMENT).batchInterval(Duration.ofMillis(2))
                .maxUnforcedBytes(64 << 10).build();
        WriteAheadLog log = WriteAheadLog.open(ROOT, options);
        disk.armed.set(true);
        sim.inject(FaultRule.withProbability(DiskOp.CREATE, "wal-", 0.3, seed));
        sim.inject(FaultRule.withProbability(DiskOp.RENAME, "wal-", 0.3, seed + 1));

        AtomicLong clock = new AtomicLong();
        Map<Long, Acked> acked = new ConcurrentHashMap<>();
        Map<String, Failed> failed = new ConcurrentHashMap<>();
        List<Image> images = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> problem = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        int threads = 6;
        int perThread = big ? 60 : 400;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            workers.add(new Thread(() -> {
                Random random = new Random(seed * 100 + thread);
                try {
                    for (int i = 0; i < perThread; i++) {
                        long id = (thread + 1) * 1_000_000L + i;
                        int size = big && random.nextInt(10) == 0 ? (1 << 20) + random.nextInt(200_000)
                                : 1 + random.nextInt(random.nextBoolean() ? 200 : 9000);
                        byte[] r = record(id, size);
                        long issued = clock.incrementAndGet();
                        try {
                            WalPosition pos = log.appendWithPosition(r);
                            long ackedAt = clock.incrementAndGet();
                            Acked before = acked.putIfAbsent(pos.lsn(), new Acked(r, pos, issued, ackedAt));
                            if (before != null) {
                                throw new AssertionError("LSN " + pos.lsn() + " acknowledged twice");
                            }
                        } catch (StoreException e) {
                            failed.put(key(r), new Failed(r, clock.incrementAndGet()));
                            if (log.isFailed()) {
                                throw new AssertionError("the log became fail-stop without a failed force", e);
                            }
                        }
                        if (random.nextInt(20) == 0) {
                            log.sync();
                        }
                        if (thread == 0 && random.nextInt(15) == 0) {
                            try {
                                log.truncateBefore(Math.max(0, log.lastLsn() - 10));
                            } catch (StoreException e) {
                                if (log.isFailed()) {
                                    throw new AssertionError("a failed truncation made the log fail-stop", e);
                                }
                            }
                        }
                    }
                } catch (Throwable e) {
                    problem.compareAndSet(null, e);
                }
            }));
        }
        Thread crasher = new Thread(() -> {
            long s = 0;
            while (!stop.get()) {
                long before = clock.get();
                SimulatedDisk image = sim.crash(seed * 1000 + s++);
                images.add(new Image(image, before));
                try {
                    Thread.sleep(3);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        workers.forEach(Thread::start);
        crasher.start();
        for (Thread w : workers) {
            w.join(100_000);
            assertThat(w.isAlive()).as("an appender hangs").isFalse();
        }
        stop.set(true);
        crasher.join();
        if (problem.get() != null) {
            throw new AssertionError(problem.get());
        }
        assertThat(failed).as("some appends failed").isNotEmpty();
        disk.armed.set(false);
        sim.clearFaults();

        long last = log.lastLsn();
        assertThat(acked.keySet()).as("acknowledged LSNs are exactly 1..lastLsn").hasSize((int) last)
                .allMatch(l -> l >= 1 && l <= last);
        long first = log.firstLsn();
        List<Entry> live = replayFrom(log, first);
        assertThat(lsns(live)).first().isEqualTo(first);
        for (Entry e : live) {
            assertThat(Arrays.equals(e.bytes(), acked.get(e.lsn()).bytes)).as("live LSN %d", e.lsn()).isTrue();
        }
        assertThat(live).hasSize((int) (last - first + 1));
        for (Acked a : acked.values()) {
            if (a.pos.lsn() >= first) {
                assertThat(log.readAt(a.pos)).as("readAt %s", a.pos).isEqualTo(a.bytes);
            }
        }
        images.add(new Image(sim.crash(seed * 7), clock.get()));
        log.close();
        images.add(new Image(sim.crash(seed * 11), clock.get()));

        Map<Long, Acked> ackedByLsn = new HashMap<>(acked);
        int checked = 0;
        for (Image image : images) {
            if (checked++ % 3 != 0 && image != images.get(images.size() - 1)) {
                continue; // every third image keeps the test short
            }
            try (WriteAheadLog again = WriteAheadLog.open(ROOT, WalOptions.builder().syncMode(mode)
                    .disk(image.disk).segmentBytes(big ? 4L << 20 : SMALL_SEGMENT).build())) {
                List<Entry> all = replayFrom(again, again.firstLsn());
                for (int i = 1; i < all.size(); i++) {
                    assertThat(all.get(i).lsn()).isEqualTo(all.get(i - 1).lsn() + 1);
                }
                Map<Long, byte[]> got = new HashMap<>();
                for (Entry e : all) {
                    got.put(e.lsn(), e.bytes());
                    Acked a = ackedByLsn.get(e.lsn());
                    Failed f = failed.get(key(e.bytes()));
                    if (a != null && Arrays.equals(a.bytes, e.bytes())) {
                        continue;
                    }
                    assertThat(f).as("image at %d: LSN %d holds neither its acknowledged record nor a failed "
                            + "append", image.at, e.lsn()).isNotNull();
                    for (Acked later : acked.values()) {
                        assertThat(later.issued < f.failedAt || later.ackedAt > image.at)
                                .as("image at %d: failed append %s (failed at %d) came back at LSN %d although "
                                                + "LSN %d was issued after its failure (at %d) and acknowledged at %d",
                                        image.at, key(e.bytes()), f.failedAt, e.lsn(), later.pos.lsn(),
                                        later.issued, later.ackedAt)
                                .isTrue();
                    }
                }
                if (mode == SyncMode.SYNC) {
                    long from = again.firstLsn();
                    for (Acked a : acked.values()) {
                        if (a.ackedAt < image.at && a.pos.lsn() >= from) {
                            assertThat(got.get(a.pos.lsn())).as("image at %d: acknowledged LSN %d", image.at,
                                    a.pos.lsn()).isEqualTo(a.bytes);
                        }
                    }
                }
            }
        }
    }

    private static String key(byte[] r) {
        int end = 0;
        while (end < r.length && r[end] != ';') {
            end++;
        }
        return new String(r, 0, end, java.nio.charset.StandardCharsets.UTF_8) + "/" + r.length;
    }

    private record Acked(byte[] bytes, WalPosition pos, long issued, long ackedAt) {
    }

    private record Failed(byte[] bytes, long failedAt) {
    }

    private record Image(SimulatedDisk disk, long at) {
    }

    /**
     * Fails about one log write in eight while armed; a failed write first writes nothing, a prefix, or all of its
     * bytes.
     */
    static final class FlakyDisk extends ForwardingDisk {

        final AtomicBoolean armed = new AtomicBoolean();
        private final Random random;

        FlakyDisk(Disk delegate, long seed) {
            super(delegate);
            this.random = new Random(seed);
        }

        @Override
        protected DiskFile wrap(DiskFile file) {
            return new ForwardingFile(file) {
                @Override
                public void write(long position, ByteBuffer src) throws IOException {
                    int kind;
                    synchronized (random) {
                        kind = armed.get() && path().getFileName().toString().startsWith("wal-")
                                && random.nextInt(8) == 0 ? 1 + random.nextInt(3) : 0;
                    }
                    if (kind == 0) {
                        super.write(position, src);
                        return;
                    }
                    if (kind == 2) {
                        ByteBuffer part = src.duplicate();
                        part.limit(part.position() + part.remaining() / 2);
                        super.write(position, part);
                    } else if (kind == 3) {
                        super.write(position, src.duplicate());
                    }
                    throw new IOException("injected: no space (" + (kind == 1 ? "nothing" : kind == 2 ? "half"
                            : "all") + " written)");
                }
            };
        }
    }
}
