package io.durakv.wal;

import io.durakv.api.StoreClosedException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Review of {@link ApplyOrder}'s combining (review-sync). */
class ApplyOrderReviewTest {

    private final ReentrantLock lock = new ReentrantLock();

    /**
     * The writer of the next record applies every record that is ready. While each record it applies brings the
     * writer of the one after it (which goes to sleep waiting), that writer must still return once its own record is
     * applied and a bounded number of others with it, not apply the others' records for as long as they keep coming;
     * the records left over are applied all the same, in order.
     */
    @Test
    void aWriterReturnsAfterABoundedShareOfOthersRecordsWhileNewOnesKeepArriving() throws Exception {
        ApplyOrder order = new ApplyOrder(lock, () -> { }, 0);
        Thread first = Thread.currentThread();
        AtomicBoolean firstReturned = new AtomicBoolean();
        AtomicInteger appliedByFirst = new AtomicInteger();
        List<Long> applied = Collections.synchronizedList(new ArrayList<>());
        List<Thread> writers = new CopyOnWriteArrayList<>();
        List<Throwable> problems = new CopyOnWriteArrayList<>();
        int cap = 4 * (ApplyOrder.MAX_COMBINED + 1);
        order.apply(1, new Chain(order, 1, cap, first, firstReturned, appliedByFirst, applied, writers, problems));
        firstReturned.set(true);
        int byFirst = appliedByFirst.get();
        for (Thread t : writers) {
            t.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(t.isAlive()).as(t.getName() + " never returned from apply").isFalse();
        }
        assertThat(problems).isEmpty();
        List<Long> expected = new ArrayList<>();
        for (long l = 1; l <= writers.size() + 1; l++) {
            expected.add(l);
        }
        assertThat(applied).isEqualTo(expected);
        assertThat(order.appliedLsn()).isEqualTo(writers.size() + 1);
        assertThat(byFirst).as("records the first writer applied before it returned, while the writer of the next "
                + "record arrived during each").isLessThanOrEqualTo(ApplyOrder.MAX_COMBINED + 1);
    }

    /**
     * The store closes while record 1's work waits with the lock released (an LSM stall) and the writers of records 2
     * and 3 wait for their turn: every writer gets the store's exception — record 1's from its work's own check,
     * records 2 and 3 by withdrawing them — nothing is applied, and none of them hangs. A record that comes back from
     * the log after that is not applied either.
     */
    @Test
    void closingWhileAWorkWaitsWithTheLockReleasedFailsEveryWaitingWriterAndAppliesNothing() throws Exception {
        AtomicReference<RuntimeException> closed = new AtomicReference<>();
        Runnable check = () -> {
            RuntimeException e = closed.get();
            if (e != null) {
                throw e;
            }
        };
        ApplyOrder order = new ApplyOrder(lock, check, 0);
        Condition room = lock.newCondition();
        CountDownLatch stalled = new CountDownLatch(1);
        List<Long> applied = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> order.apply(1, () -> {
            stalled.countDown();
            while (closed.get() == null) {
                room.awaitUninterruptibly(); // the lock is released meanwhile
            }
            check.run();
            applied.add(1L);
        }));
        assertThat(stalled.await(10, TimeUnit.SECONDS)).isTrue();
        List<Thread> waiting = new ArrayList<>();
        List<CompletableFuture<Throwable>> later = new ArrayList<>();
        for (long lsn = 2; lsn <= 3; lsn++) {
            long l = lsn;
            CompletableFuture<Throwable> f = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    order.apply(l, () -> applied.add(l));
                    f.complete(null);
                } catch (Throwable e) {
                    f.complete(e);
                }
            });
            t.start();
            WalTesting.awaitParkedOn(t, order);
            waiting.add(t);
            later.add(f);
        }
        StoreClosedException closing = new StoreClosedException("the store is closed");
        lock.lock();
        try {
            closed.set(closing);
            order.wakeAll();
            room.signalAll();
        } finally {
            lock.unlock();
        }
        Throwable firstError = first.handle((v, e) -> e).get(20, TimeUnit.SECONDS);
        assertThat(firstError).hasRootCause(closing);
        for (CompletableFuture<Throwable> f : later) {
            assertThat(f.get(20, TimeUnit.SECONDS)).isSameAs(closing);
        }
        assertThatThrownBy(() -> order.apply(4, () -> applied.add(4L))).isSameAs(closing);
        assertThat(applied).isEmpty();
        assertThat(order.appliedLsn()).isZero();
    }

    /** One record's work: when the first writer runs it, the writer of the next record arrives and sleeps. */
    private record Chain(ApplyOrder order, long lsn, int cap, Thread first, AtomicBoolean firstReturned,
                         AtomicInteger appliedByFirst, List<Long> applied, List<Thread> writers,
                         List<Throwable> problems) implements Runnable {
        @Override
        public void run() {
            applied.add(lsn);
            if (Thread.currentThread() != first || firstReturned.get()) {
                return;
            }
            appliedByFirst.incrementAndGet();
            if (lsn >= cap) {
                return;
            }
            Chain next = new Chain(order, lsn + 1, cap, first, firstReturned, appliedByFirst, applied, writers,
                    problems);
            Thread t = new Thread(() -> {
                try {
                    order.apply(lsn + 1, next);
                } catch (Throwable e) {
                    problems.add(e);
                }
            }, "writer-" + (lsn + 1));
            writers.add(t);
            t.start();
            WalTesting.awaitParkedOn(t, order);
        }
    }
}
