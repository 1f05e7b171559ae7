package io.durakv.wal;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.durakv.wal.WalTesting.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A seeded WAL workload on a {@link SimulatedDisk} and the oracle that judges what a recovery may show after a power
 * loss anywhere in it. The oracle lives outside the simulated disk: it records which appends were acknowledged, which
 * one was in flight, what the last completed sync or clean close covered, and how far truncation may have deleted.
 *
 * <p>Record contents are a function of the LSN ({@link WalTesting#record}) and a size drawn from the seed, so any
 * record the log shows can be checked byte for byte.
 */
final class WalCrashWorkload {

    static final Path DIR = Path.of("/wal");

    /** One step. */
    record Op(char kind, int arg) {
    }

    final SyncMode mode;
    final long seed;
    final List<Op> ops;

    /** Sizes of the records appended so far, by LSN - 1 (acknowledged, in flight, or from an earlier cycle). */
    final List<Integer> sizes = new ArrayList<>();
    /** Highest LSN whose append returned. */
    long acknowledged;
    /** Highest LSN made durable by a sync() or close() that returned. */
    long durable;
    /** Highest LSN passed to a truncateBefore that started. */
    long truncatedBefore = 1;
    /** Whether the workload ran to its end without an exception. */
    boolean completed;

    WalCrashWorkload(SyncMode mode, long seed, int steps) {
        this.mode = mode;
        this.seed = seed;
        Random r = new Random(seed);
        ops = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            int p = r.nextInt(100);
            if (p < 84) {
                // Small records and large ones, so that 64 KiB segments rotate every twenty or so appends.
                ops.add(new Op('a', r.nextInt(5) < 2 ? 3000 + r.nextInt(9000) : r.nextInt(600)));
            } else if (p < 89) {
                ops.add(new Op('s', 0));
            } else if (p < 96) {
                ops.add(new Op('t', r.nextInt(101)));
            } else {
                ops.add(new Op('r', 0));
            }
        }
    }

    static WalOptions options(SyncMode mode, SimulatedDisk disk) {
        // BATCH with an interval longer than any test run: the background thread never forces, so every run of a
        // seed makes the same disk calls and a crash point k means the same call each time.
        return WalOptions.builder().syncMode(mode).segmentBytes(WalOptions.MIN_SEGMENT_BYTES)
                .batchInterval(Duration.ofHours(1)).maxUnforcedBytes(1L << 30).disk(disk).build();
    }

    /**
     * Continues from a crash image whose recovery shows LSNs up to {@code lastLsn}: those records are on the image,
     * which is all forced, so they are durable now.
     */
    void startFrom(long lastLsn) {
        while (sizes.size() > lastLsn) {
            sizes.remove(sizes.size() - 1);
        }
        acknowledged = lastLsn;
        durable = lastLsn;
        completed = false;
    }

    /**
     * Continues in the same process after a reopen that showed LSNs up to {@code lastLsn}: they were recovered from
     * the page cache and forced by that recovery, so they are durable now.
     */
    void startFromReopen(long lastLsn) {
        startFrom(lastLsn);
    }

    /**
     * Runs the workload (open, the steps, close) until it ends or the first exception, which a scheduled power loss
     * causes. Never throws.
     */
    void run(SimulatedDisk disk) {
        WriteAheadLog log = null;
        try {
            log = WriteAheadLog.open(DIR, options(mode, disk));
            for (Op op : ops) {
                switch (op.kind()) {
                    case 'a' -> {
                        sizes.add(op.arg());
                        long lsn = log.append(record(sizes.size(), op.arg()));
                        assertThat(lsn).isEqualTo(sizes.size());
                        acknowledged = lsn;
                    }
                    case 's' -> {
                        long covered = acknowledged;
                        log.sync();
                        durable = covered;
                    }
                    case 't' -> {
                        long lsn = (acknowledged + 1) * op.arg() / 100;
                        truncatedBefore = Math.max(truncatedBefore, lsn);
                        log.truncateBefore(lsn);
                    }
                    case 'r' -> {
                        long covered = acknowledged;
                        WriteAheadLog closing = log;
                        log = null;
                        closing.close();
                        durable = covered;
                        log = WriteAheadLog.open(DIR, options(mode, disk));
                    }
                    default -> throw new AssertionError(op);
                }
            }
            long covered = acknowledged;
            WriteAheadLog closing = log;
            log = null;
            closing.close();
            durable = covered;
            completed = true;
        } catch (StoreException e) {
            if (e instanceof CorruptionException) {
                fail("corruption while running " + this + " (a recovery inside the workload)", e);
            }
            // the power loss (or a fault): the log is fail-stop; what it acknowledged stays in the oracle
        } finally {
            if (log != null) {
                try {
                    log.close();
                } catch (StoreException expected) {
                    // closing after the power loss cannot be clean; it only stops the flusher thread
                }
            }
        }
    }

    /**
     * Opens the log on a crash image and checks every promise: recovery succeeds; the records are a contiguous run of
     * what was appended, byte for byte, with no invented LSN; every record the mode promised is present; truncation
     * deleted only what it may. Then the log must take a new append with the next LSN.
     *
     * @return the records recovered, for comparison with another recovery of the same image
     */
    List<WalTesting.Entry> checkRecovery(SimulatedDisk image, String context) {
        List<WalTesting.Entry> all;
        // A crash image is all forced, so crash(0) is an exact copy: the check leaves the image as it was.
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(mode, image.crash(0)))) {
            all = WalTesting.replayAll(log);
            long last = log.lastLsn();
            long first = log.firstLsn();
            assertThat(last).as("no invented records: %s", context).isLessThanOrEqualTo(sizes.size());
            long required = mode == SyncMode.SYNC ? acknowledged : durable;
            assertThat(last).as("acknowledged and synced records survive: %s", context).isGreaterThanOrEqualTo(required);
            assertThat(first).as("truncation deletes only records below its LSN: %s", context)
                    .isLessThanOrEqualTo(Math.max(truncatedBefore, 1));
            assertThat(all).as("contiguous records from %d to %d: %s", first, last, context)
                    .hasSize((int) (last - first + 1));
            for (int i = 0; i < all.size(); i++) {
                WalTesting.Entry e = all.get(i);
                assertThat(e.lsn()).as(context).isEqualTo(first + i);
                assertThat(e.bytes()).as("LSN %d byte for byte: %s", e.lsn(), context)
                        .isEqualTo(record(e.lsn(), sizes.get((int) e.lsn() - 1)));
            }
        } catch (CorruptionException e) {
            throw new AssertionError("recovery reported corruption after a plain power loss: " + context, e);
        }
        return all;
    }

    /** Checks that the log recovered from {@code image} takes the next LSN, and that the new record survives a close. */
    static void checkUsableAfterRecovery(SimulatedDisk original, SyncMode mode, String context) {
        SimulatedDisk image = original.crash(0);
        long next;
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(mode, image))) {
            next = log.lastLsn() + 1;
            assertThat(log.append(record(next, 10))).as(context).isEqualTo(next);
        }
        try (WriteAheadLog log = WriteAheadLog.open(DIR, options(mode, image))) {
            assertThat(log.lastLsn()).as(context).isEqualTo(next);
            assertThat(WalTesting.replayFrom(log, next).get(0).bytes()).as(context).isEqualTo(record(next, 10));
        }
    }

    @Override
    public String toString() {
        return "workload[mode=" + mode + ", seed=" + seed + ", steps=" + ops.size() + "]";
    }
}
