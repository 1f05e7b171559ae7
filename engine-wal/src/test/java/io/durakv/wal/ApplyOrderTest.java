package io.durakv.wal;

import io.durakv.api.StoreException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApplyOrderTest {

    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicReference<RuntimeException> storeFailure = new AtomicReference<>();
    private final Runnable check = () -> {
        RuntimeException f = storeFailure.get();
        if (f != null) {
            throw f;
        }
    };

    @Test
    void concurrentWritersAreAppliedExactlyOnceInLsnOrderUnderTheLockAndEachReturnsAfterItsOwn() throws Exception {
        ApplyOrder order = new ApplyOrder(lock, check, 100);
        int threads = 8;
        int perThread = 2_000;
        AtomicLong nextLsn = new AtomicLong(101);
        List<Long> applied = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<String> violation = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        long lsn = nextLsn.getAndIncrement();
                        if ((lsn & 7) == 0) {
                            Thread.yield(); // come back late, so that others wait for this record
                        }
                        order.apply(lsn, () -> {
                            if (!lock.isHeldByCurrentThread()) {
                                violation.compareAndSet(null, "record " + lsn + " applied without the lock");
                            }
                            applied.add(lsn);
                        });
                        if (order.appliedLsn() < lsn) {
                            violation.compareAndSet(null, "apply of " + lsn + " returned before it was applied");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(violation.get()).isNull();
        assertThat(applied).hasSize(threads * perThread);
        for (int i = 0; i < applied.size(); i++) {
            assertThat(applied.get(i)).isEqualTo(101L + i);
        }
        assertThat(order.appliedLsn()).isEqualTo(100L + threads * perThread);
    }

    @Test
    void aRecordWhosePredecessorIsLateIsAppliedByThePredecessorsWriterOnItsThread() throws Exception {
        ApplyOrder order = new ApplyOrder(lock, check, 0);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CompletableFuture<Void> second = CompletableFuture.runAsync(
                () -> order.apply(2, () -> ranOn.set(Thread.currentThread())));
        awaitWaiting(second);
        assertThat(ranOn.get()).as("record 2 must wait for record 1").isNull();
        order.apply(1, () -> { });
        second.get(10, TimeUnit.SECONDS);
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        assertThat(order.appliedLsn()).isEqualTo(2);
    }

    @Test
    void aFailedWorkIsThrownToItsOwnWriterAndNothingAfterItIsApplied() throws Exception {
        ApplyOrder order = new ApplyOrder(lock, check, 0);
        List<Long> applied = Collections.synchronizedList(new ArrayList<>());
        IllegalStateException boom = new IllegalStateException("boom");
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> order.apply(2, () -> {
            throw boom;
        }));
        CompletableFuture<Void> third = CompletableFuture.runAsync(() -> order.apply(3, () -> applied.add(3L)));
        awaitWaiting(second);
        awaitWaiting(third);
        order.apply(1, () -> applied.add(1L)); // applies 1, then 2 (fails) on this thread
        Throwable secondError = second.handle((v, e) -> e).get(10, TimeUnit.SECONDS);
        assertThat(secondError).hasRootCause(boom);
        Throwable thirdError = third.handle((v, e) -> e).get(10, TimeUnit.SECONDS);
        assertThat(thirdError).hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("applying record 2 failed");
        assertThat(applied).containsExactly(1L);
        assertThat(order.appliedLsn()).isEqualTo(1);
        assertThatThrownBy(() -> order.apply(4, () -> applied.add(4L)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("applying record 2 failed");
        assertThat(applied).containsExactly(1L);
    }

    /**
     * The next record in order takes the short path (no registration): it runs on its writer's thread under the lock,
     * applies the records waiting behind it, and a failure there is thrown to its writer and stops the order for the
     * waiting and the later records alike.
     */
    @Test
    void theNextRecordInOrderRunsOnItsWritersThreadAndAFailureThereStopsTheOrder() throws Exception {
        ApplyOrder order = new ApplyOrder(lock, check, 0);
        List<String> applied = Collections.synchronizedList(new ArrayList<>());
        Thread me = Thread.currentThread();
        for (long lsn = 1; lsn <= 3; lsn++) {
            long l = lsn;
            order.apply(lsn, () -> {
                assertThat(lock.isHeldByCurrentThread()).isTrue();
                applied.add(l + "@" + (Thread.currentThread() == me));
            });
        }
        assertThat(applied).containsExactly("1@true", "2@true", "3@true");
        CompletableFuture<Void> fifth = CompletableFuture.runAsync(() -> order.apply(5, () -> applied.add("5")));
        awaitWaiting(fifth);
        IllegalStateException boom = new IllegalStateException("boom");
        assertThatThrownBy(() -> order.apply(4, () -> {
            throw boom;
        })).isSameAs(boom);
        Throwable fifthError = fifth.handle((v, e) -> e).get(10, TimeUnit.SECONDS);
        assertThat(fifthError).hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("applying record 4 failed");
        assertThat(order.appliedLsn()).isEqualTo(3);
        // A later record is refused without running, even the one that would be next.
        assertThatThrownBy(() -> order.apply(4, () -> applied.add("4 again")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("applying record 4 failed");
        assertThat(applied).containsExactly("1@true", "2@true", "3@true");
    }

    @Test
    void aWaitingWriterWokenAfterTheStoreFailedWithdrawsItsRecordAndGetsTheStoresException() throws Exception {
        ApplyOrder order = new ApplyOrder(lock, check, 0);
        List<Long> applied = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> order.apply(2, () -> applied.add(2L)));
        awaitWaiting(waiting);
        StoreException failure = new StoreException("the store failed");
        storeFailure.set(failure);
        order.wakeAll();
        Throwable e = waiting.handle((v, t) -> t).get(10, TimeUnit.SECONDS);
        assertThat(e).hasCause(failure);
        // The withdrawn record is not applied when its predecessor arrives later.
        storeFailure.set(null);
        order.apply(1, () -> applied.add(1L));
        assertThat(applied).containsExactly(1L);
        assertThat(order.appliedLsn()).isEqualTo(1);
    }

    @Test
    void anLsnAppliedOrWaitingAlreadyIsRejectedBeforeItsWorkRuns() throws Exception {
        ApplyOrder order = new ApplyOrder(lock, check, 5);
        assertThatThrownBy(() -> order.apply(5, () -> { throw new AssertionError("ran"); }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("log record 5");
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> order.apply(7, () -> { }));
        awaitWaiting(waiting);
        assertThatThrownBy(() -> order.apply(7, () -> { throw new AssertionError("ran"); }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("log record 7");
        order.apply(6, () -> { });
        waiting.get(10, TimeUnit.SECONDS);
        assertThat(order.appliedLsn()).isEqualTo(7);
    }

    @Test
    void anInterruptedWaiterStillHasItsRecordAppliedAndKeepsTheFlag() throws Exception {
        ApplyOrder order = new ApplyOrder(lock, check, 0);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Boolean> flag = new AtomicReference<>();
        List<Long> applied = Collections.synchronizedList(new ArrayList<>());
        Thread t = new Thread(() -> {
            order.apply(2, () -> applied.add(2L));
            flag.set(Thread.currentThread().isInterrupted());
            done.countDown();
        });
        t.start();
        awaitParked(t);
        t.interrupt();
        Thread.sleep(50);
        assertThat(applied).as("an interrupt must not apply record 2 out of order").isEmpty();
        order.apply(1, () -> applied.add(1L));
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(applied).containsExactly(1L, 2L);
        assertThat(flag.get()).isTrue();
    }

    @Test
    void anotherWritersWorkRunsWithoutTheAppliersInterruptFlagWhichTheApplierKeeps() throws Exception {
        ApplyOrder order = new ApplyOrder(lock, check, 0);
        AtomicReference<Boolean> flagInOthersWork = new AtomicReference<>();
        AtomicReference<Boolean> flagInOwnWork = new AtomicReference<>();
        CompletableFuture<Void> second = CompletableFuture.runAsync(
                () -> order.apply(2, () -> flagInOthersWork.set(Thread.currentThread().isInterrupted())));
        awaitWaiting(second);
        Thread.currentThread().interrupt();
        try {
            order.apply(1, () -> flagInOwnWork.set(Thread.currentThread().isInterrupted()));
            assertThat(Thread.currentThread().isInterrupted()).as("the applier's flag after").isTrue();
        } finally {
            Thread.interrupted();
        }
        second.get(10, TimeUnit.SECONDS);
        assertThat(flagInOwnWork.get()).as("its own work sees its flag").isTrue();
        assertThat(flagInOthersWork.get()).as("another writer's work, run by the interrupted applier").isFalse();
    }

    @Test
    void aWorkThatWaitsWithTheLockReleasedIsNotAppliedTwiceAndKeepsTheOrder() throws Exception {
        ApplyOrder order = new ApplyOrder(lock, check, 0);
        var condition = lock.newCondition();
        CountDownLatch inside = new CountDownLatch(1);
        List<Long> applied = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> order.apply(1, () -> {
            inside.countDown();
            try {
                condition.await(200, TimeUnit.MILLISECONDS); // releases the lock meanwhile, like a stall
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            applied.add(1L);
        }));
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> order.apply(2, () -> applied.add(2L)));
        // While record 1 is being applied with the lock released, the lock is free to take.
        assertThat(lock.tryLock(10, TimeUnit.SECONDS)).isTrue();
        lock.unlock();
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        assertThat(applied).containsExactly(1L, 2L);
    }

    private static void awaitWaiting(CompletableFuture<?> f) throws InterruptedException {
        // The writer has registered its record and sleeps: give it time; it must not have finished.
        Thread.sleep(100);
        assertThat(f).isNotDone();
    }

    private static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(t.getState()).isEqualTo(Thread.State.WAITING);
    }
}
