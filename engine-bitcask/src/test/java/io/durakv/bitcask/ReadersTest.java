package io.durakv.bitcask;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.assertj.core.api.Assertions.assertThat;

/** Reader registration: a merge's wait for older readers ends only once every one of them has left. */
class ReadersTest {

    @Test
    void anOpenReaderOfAnOlderEpochKeepsTheMergeWaitingNewReadersDoNot() {
        Readers r = new Readers();
        long a = r.enter();
        long e1 = r.advance();
        long b = r.enter();
        assertThat(b).isEqualTo(e1).isGreaterThan(a);
        assertThat(r.noneOlderThan(e1)).isFalse();
        long e2 = r.advance();
        assertThat(r.noneOlderThan(e2)).isFalse();
        r.exit(a);
        assertThat(r.noneOlderThan(e1)).isTrue();
        assertThat(r.noneOlderThan(e2)).as("b entered before the second advance").isFalse();
        r.exit(b);
        assertThat(r.noneOlderThan(e2)).isTrue();
        assertThat(r.awaitOlderThan(e2, () -> true)).isTrue();
        long c = r.enter();
        assertThat(r.awaitOlderThan(e2, () -> false)).isTrue();
        r.exit(c);
    }

    @Test
    void aWaitingMergeStopsWhenAsked() {
        Readers r = new Readers();
        long a = r.enter();
        long e = r.advance();
        assertThat(r.awaitOlderThan(e, () -> true)).isFalse();
        r.exit(a);
    }

    /**
     * Readers enter and leave on several threads while a merge advances the epoch and waits: whenever the wait ends,
     * no reader that registered under an older epoch is still inside.
     */
    @Test
    void noReaderOfAnOlderEpochIsInsideWhenTheWaitEnds() throws Exception {
        Readers r = new Readers();
        int threads = 3;
        AtomicLongArray inside = new AtomicLongArray(threads);
        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            inside.set(me, -1);
            readers.add(new Thread(() -> {
                while (!done.get()) {
                    long e = r.enter();
                    inside.set(me, e);
                    for (int spin = 0; spin < me * 50; spin++) {
                        Thread.onSpinWait();
                    }
                    inside.set(me, -1);
                    r.exit(e);
                }
            }));
        }
        readers.forEach(Thread::start);
        try {
            for (int round = 0; round < 2000; round++) {
                long e = r.advance();
                assertThat(r.awaitOlderThan(e, () -> false)).isTrue();
                for (int t = 0; t < threads; t++) {
                    long in = inside.get(t);
                    if (in >= 0 && in < e) {
                        errors.add("thread " + t + " is inside epoch " + in + " after the wait for epochs before " + e);
                    }
                }
            }
        } finally {
            done.set(true);
            for (Thread t : readers) {
                t.join();
            }
        }
        assertThat(errors).isEmpty();
        long last = r.advance();
        assertThat(r.noneOlderThan(last)).isTrue();
    }
}
