package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.TreeMap;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A failed write (a full disk) fails only the appends it carried: the log is not fail-stop, the LSNs those appends got
 * are handed out again, nothing of them can be read back, and appends succeed again once the disk accepts writes.
 */
class WalNoSpaceTest {

    private static final Path ROOT = Path.of("/wal");

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void aFailedWriteFailsOnlyItsAppendAndItsLsnIsHandedOutAgain(SyncMode mode) {
        SimulatedDisk disk = new SimulatedDisk();
        WriteAheadLog log = WriteAheadLog.open(ROOT, small(mode, disk).build());
        assertThat(log.append(record(1, 100))).isEqualTo(1);
        disk.inject(FaultRule.fromNthCall(DiskOp.WRITE, "wal-", 1));
        assertThatThrownBy(() -> log.append(record(-2, 100))).isInstanceOf(StoreException.class)
                .hasMessageContaining("not acknowledged");
        assertThat(log.isFailed()).isFalse();
        assertThat(log.lastLsn()).isEqualTo(1);
        disk.clearFaults();
        assertThat(log.append(record(2, 100))).as("the failed append's LSN, handed out again").isEqualTo(2);
        log.sync();
        assertThat(replayAll(log)).extracting(Entry::bytes).containsExactly(record(1, 100), record(2, 100));
        log.close();
        for (long seed = 0; seed < 4; seed++) {
            try (WriteAheadLog again = WriteAheadLog.open(ROOT, small(mode, disk.crash(seed)).build())) {
                assertThat(replayAll(again)).extracting(Entry::bytes).containsExactly(record(1, 100),
                        record(2, 100));
                assertThat(again.append(record(3, 100))).isEqualTo(3);
            }
        }
    }

    /**
     * Writes (or file creations) fail from some call on for a while, across rotations, truncations and recycled
     * segments; once the disk accepts them again the log goes on. Acknowledged records have gap-free LSNs and are
     * exactly what the log holds, live, after a clean close, and after a power loss following it.
     */
    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void failuresForAWhileAcrossRotationsLoseNothingAndTheLogGoesOnOnceSpaceIsBack(SyncMode mode) {
        int cases = 0;
        for (DiskOp op : List.of(DiskOp.WRITE, DiskOp.CREATE, DiskOp.RENAME)) {
            for (int n = 1; n <= (op == DiskOp.WRITE ? 40 : 3); n++) {
                SimulatedDisk disk = new SimulatedDisk();
                WriteAheadLog log = WriteAheadLog.open(ROOT, small(mode, disk).build());
                Map<Long, byte[]> acked = new TreeMap<>();
                int failures = 0;
                for (int i = 0; i < 150; i++) {
                    if (i == 50) {
                        disk.inject(FaultRule.fromNthCall(op, "wal-", n));
                    }
                    if (i == 100) {
                        disk.clearFaults();
                    }
                    byte[] r = record(1000L * n + i, 3000);
                    try {
                        long lsn = log.append(r);
                        assertThat(lsn).as("LSNs stay gap-free").isEqualTo(acked.size() + 1L);
                        acked.put(lsn, r);
                    } catch (StoreException e) {
                        assertThat(i).as("only appends on the full disk fail: " + e).isBetween(50, 99);
                        assertThat(log.isFailed()).as("a failed %s is not fail-stop: %s", op, e).isFalse();
                        failures++;
                    }
                    if (i % 25 == 24) {
                        try {
                            // Keeps the log short, so that rotation reuses recycled segment files.
                            log.truncateBefore(log.lastLsn() - 5);
                        } catch (StoreException e) {
                            assertThat(i).as("only truncations on the full disk fail: " + e).isBetween(50, 99);
                            assertThat(log.isFailed()).isFalse();
                        }
                    }
                }
                if (op == DiskOp.WRITE) {
                    assertThat(failures).as("appends failed on the full disk (%s from call %d)", op, n)
                            .isPositive();
                }
                cases += failures > 0 ? 1 : 0;
                assertSame(replayFrom(log, log.firstLsn()), expected(acked, log.firstLsn()),
                        op + " from call " + n + ", live");
                long first = log.firstLsn();
                log.close();
                for (long seed = 0; seed < 3; seed++) {
                    try (WriteAheadLog again = WriteAheadLog.open(ROOT, small(mode, disk.crash(seed)).build())) {
                        assertThat(again.firstLsn()).isLessThanOrEqualTo(first);
                        assertSame(replayFrom(again, first), expected(acked, first),
                                op + " from call " + n + ", seed " + seed);
                        assertThat(again.append(record(1, 10))).isEqualTo(acked.size() + 1L);
                    }
                }
            }
        }
        assertThat(cases).as("cases where appends failed").isGreaterThan(40);
    }

    /**
     * The worst case of a failed write: the call put the bytes of several frames into the file and still failed. The
     * LSNs of those frames are handed out again; a later record of the same length lands exactly where the first of
     * them was, so unless the failed range is wiped, the second failed frame would follow it as a valid record with
     * the next LSN, and come back after a power loss although its append threw.
     */
    @Test
    void framesOfAFailedWriteNeverComeBackAfterALaterRecord() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        CountingDisk disk = new CountingDisk(sim);
        int size = 200;
        int twoFrames = 2 * (WalFormat.FRAME_HEADER_SIZE + size);
        WriteAheadLog log = WriteAheadLog.open(ROOT, small(SyncMode.SYNC, disk).build());
        Object committer = WalReviewTurnsTest.field(WriteAheadLog.class, "committer").get(log);
        List<byte[]> acked = Collections.synchronizedList(new ArrayList<>());
        List<Thread> others = new ArrayList<>();
        List<Throwable> refused = Collections.synchronizedList(new ArrayList<>());
        // Deterministic: the first record's write holds until two more appenders sleep in the queue behind it; the
        // writer then writes both of theirs in one call, which puts all its bytes in the file and still fails.
        // Record writes only (a segment's zero-fill is written in chunks of 64 KiB or more).
        disk.writeFault.set((path, index, length) -> {
            if (!path.getFileName().toString().endsWith(".log") || length >= 32 * 1024) {
                return -1;
            }
            if (length >= twoFrames) {
                return length;
            }
            if (others.isEmpty()) {
                for (int t = 1; t <= 2; t++) {
                    byte[] r = record(100_000L * t, size);
                    Thread th = new Thread(() -> {
                        try {
                            log.append(r);
                            acked.add(r);
                        } catch (StoreException e) {
                            refused.add(e);
                        }
                    }, "appender-" + t);
                    others.add(th);
                    th.start();
                    WalTesting.awaitParkedOn(th, committer);
                }
            }
            return -1;
        });
        byte[] first = record(1, size);
        assertThat(log.append(first)).isEqualTo(1);
        acked.add(first);
        for (Thread t : others) {
            t.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(disk.writeFaultsFired.get()).as("the write of two frames failed").isEqualTo(1);
        assertThat(refused).as("both appends it carried threw").hasSize(2);
        assertThat(log.isFailed()).isFalse();
        // Lands exactly where the first failed frame was, with the LSN it had: without the wipe, the second failed
        // frame would follow it as a valid record.
        byte[] later = record(999_999, size);
        assertThat(log.append(later)).isEqualTo(2);
        acked.add(later);
        // SYNC: every acknowledged record is forced; power is lost now, without a clean close.
        List<SimulatedDisk> images = new ArrayList<>();
        for (long seed = 0; seed < 5; seed++) {
            images.add(sim.crash(seed));
        }
        log.close();
        for (SimulatedDisk after : images) {
            try (WriteAheadLog again = WriteAheadLog.open(ROOT, small(SyncMode.SYNC, after).build())) {
                List<Entry> all = replayAll(again);
                assertThat(all).extracting(Entry::bytes).as("exactly the acknowledged records")
                        .containsExactlyElementsOf(acked);
            }
        }
    }

    /**
     * Rotation seals the old segment and then cannot create the next one: the append fails, the log is not
     * fail-stop, a clean close leaves the sealed segment last, and both a retry and a reopen go on from there.
     */
    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void aRotationThatCannotCreateTheNextSegmentIsRetried(SyncMode mode) {
        for (boolean retryBeforeClose : new boolean[]{true, false}) {
            SimulatedDisk disk = new SimulatedDisk();
            WriteAheadLog log = WriteAheadLog.open(ROOT, small(mode, disk).preallocate(false).build());
            long lsn = 0;
            while (log.segmentStarts().length == 1) {
                lsn = log.append(record(lsn + 1, 3000));
            }
            long firstOfSecond = log.segmentStarts()[1];
            // Fill the second segment up to its last record, then fail the creation of the third.
            disk.inject(FaultRule.fromNthCall(DiskOp.CREATE, "wal-", 1));
            long failedAt = -1;
            for (int i = 0; i < 100 && failedAt < 0; i++) {
                try {
                    lsn = log.append(record(lsn + 1, 3000));
                } catch (StoreException e) {
                    failedAt = lsn + 1;
                }
            }
            assertThat(failedAt).as("a rotation failed").isPositive();
            assertThat(log.isFailed()).isFalse();
            assertThat(log.segmentStarts()).containsExactly(1L, firstOfSecond);
            disk.clearFaults();
            if (retryBeforeClose) {
                assertThat(log.append(record(failedAt, 3000))).isEqualTo(failedAt);
                assertThat(log.segmentStarts()).containsExactly(1L, firstOfSecond, failedAt);
                log.close();
            } else {
                log.close();
            }
            long last = retryBeforeClose ? failedAt : failedAt - 1;
            for (long seed = 0; seed < 3; seed++) {
                try (WriteAheadLog again = WriteAheadLog.open(ROOT, small(mode, disk.crash(seed))
                        .preallocate(false).build())) {
                    List<Entry> all = replayAll(again);
                    assertThat(lsns(all)).hasSize((int) last).endsWith(last);
                    for (Entry e : all) {
                        assertThat(e.bytes()).isEqualTo(record(e.lsn(), 3000));
                    }
                    assertThat(again.append(record(last + 1, 3000))).isEqualTo(last + 1);
                }
            }
        }
    }

    /** Same LSNs in the same order, each with the same bytes. */
    private static void assertSame(List<Entry> actual, List<Entry> expected, String what) {
        assertThat(lsns(actual)).as(what).containsExactlyElementsOf(lsns(expected));
        for (int i = 0; i < actual.size(); i++) {
            assertThat(java.util.Arrays.equals(actual.get(i).bytes(), expected.get(i).bytes()))
                    .as("%s: bytes of LSN %d", what, actual.get(i).lsn()).isTrue();
        }
    }

    private static List<Entry> expected(Map<Long, byte[]> acked, long from) {
        List<Entry> out = new ArrayList<>();
        acked.forEach((lsn, bytes) -> {
            if (lsn >= from) {
                out.add(new Entry(lsn, bytes));
            }
        });
        return out;
    }
}
