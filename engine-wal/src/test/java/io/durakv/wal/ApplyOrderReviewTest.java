package io.durakv.wal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;

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
