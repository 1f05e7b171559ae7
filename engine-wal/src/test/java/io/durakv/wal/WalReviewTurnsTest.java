package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Review of the overlapping write and force turns (wal-review). */
class WalReviewTurnsTest {

    private static final Path DIR = Path.of("/wal");
    private static final int RECORD = 3000;

    /** Holds a file force after it has reached the disk, while the armed gate is closed. */
    static final class PostForceGate extends ForwardingDisk {
        volatile CountDownLatch gate;
        final CountDownLatch reached = new CountDownLatch(1);

        PostForceGate(SimulatedDisk delegate) {
            super(delegate);
        }

        @Override
        protected DiskFile wrap(DiskFile file) {
            return new ForwardingFile(file) {
                @Override
                public void force(boolean metadata) throws IOException {
                    super.force(metadata);
                    CountDownLatch g = gate;
                    if (g != null) {
                        gate = null;
                        reached.countDown();
                        try {
                            g.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            };
        }
    }

    /**
     * Rotation's force of the old segment fails (the device drops the dirty pages: fsyncgate). endRotation releases
     * the force turn before the write turn records the failure, so an appender whose record was written to the old
     * segment and waits for a force can take the force turn in between, force again (a retried fsync succeeds),
     * publish its record as forced, and return: an acknowledged SYNC record that is not on disk, and an append that
     * succeeded after a failed force. The schedule is forced with a fair lock, which only picks one of the
     * interleavings the unfair lock also allows.
     */
    @Test
    void anAppendWaitingDuringAFailedRotationForceIsNotAcknowledged() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        PostForceGate disk = new PostForceGate(sim);
        WalOptions options = small(SyncMode.SYNC, disk).build();
        WriteAheadLog log = WriteAheadLog.open(DIR, options);
        GroupCommitter committer = (GroupCommitter) field(WriteAheadLog.class, "committer").get(log);
        ReentrantLock fair = new ReentrantLock(true);
        Condition progress = fair.newCondition();
        field(GroupCommitter.class, "lock").set(committer, fair);
        field(GroupCommitter.class, "progress").set(committer, progress);
        field(GroupCommitter.class, "flushWanted").set(committer, fair.newCondition());

        // 21 records of 3000 bytes fit in a 64 KiB segment; the 22nd rotates.
        for (long i = 1; i <= 19; i++) {
            log.append(record(i, RECORD));
        }
        CountDownLatch open = new CountDownLatch(1);
        disk.gate = open;
        CompletableFuture<Long> t0 = CompletableFuture.supplyAsync(() -> log.append(record(20, RECORD)));
        assertThat(disk.reached.await(10, TimeUnit.SECONDS)).isTrue();
        // The next force of segment 1 is rotation's: it fails, losing the unforced pages.
        sim.inject(FaultRule.nthCall(DiskOp.FORCE, "wal-00000000000000000001\\.log", 1));
        CompletableFuture<Long> t1 = CompletableFuture.supplyAsync(() -> log.append(record(21, RECORD)));
        awaitState(committer, fair, progress, 1, false);
        CompletableFuture<Long> t2 = CompletableFuture.supplyAsync(() -> log.append(record(22, RECORD)));
        awaitState(committer, fair, progress, 2, true);
        open.countDown();

        assertThat(t0.get(10, TimeUnit.SECONDS)).isEqualTo(20);
        Throwable t2Failure = t2.handle((v, e) -> e).get(10, TimeUnit.SECONDS);
        assertThat(t2Failure).as("the append whose rotation's force failed").isNotNull();
        Long acknowledged = t1.handle((v, e) -> e == null ? v : null).get(10, TimeUnit.SECONDS);
        try {
            log.close();
        } catch (StoreException expected) {
            // fail-stop
        }
        try (WriteAheadLog reopened = WriteAheadLog.open(DIR, small(SyncMode.SYNC, sim.crash(3)).build())) {
            long last = reopened.lastLsn();
            assertThat(acknowledged == null || last >= acknowledged)
                    .as("SYNC append of record 21 returned " + acknowledged + " after rotation's force failed; "
                            + "after a crash the log ends at LSN " + last)
                    .isTrue();
            assertThat(acknowledged).as("an append succeeded after a failed force (fail-stop)").isNull();
        }
    }

    /**
     * Waits until {@code waiters} threads wait for progress (on the condition, or as appenders sleeping until a turn
     * end wakes them), the lock is free, and rotation waits (if asked).
     */
    private static void awaitState(GroupCommitter c, ReentrantLock lock, Condition progress, int waiters,
                                   boolean rotationWaiting) throws Exception {
        Field rw = field(GroupCommitter.class, "rotationWaiting");
        Field sleepers = field(GroupCommitter.class, "sleepers");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            lock.lock();
            try {
                int waiting = lock.getWaitQueueLength(progress) + ((java.util.List<?>) sleepers.get(c)).size();
                if (waiting == waiters && (boolean) rw.get(c) == rotationWaiting
                        && !lock.hasQueuedThreads()) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            Thread.sleep(5);
        }
        throw new AssertionError("state not reached: " + waiters + " waiters, rotationWaiting=" + rotationWaiting);
    }

    static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
