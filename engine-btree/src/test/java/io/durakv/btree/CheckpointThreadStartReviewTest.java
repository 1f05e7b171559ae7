package io.durakv.btree;

import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.TreeMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A background checkpoint whose thread cannot be started (no memory or native thread left) must not leave the store
 * waiting for a checkpoint that never runs: the freeze is undone, writes go on, a later write retries after the
 * back-off, and close, verify and a reopen work and lose nothing.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CheckpointThreadStartReviewTest {

    @Test
    void aCheckpointThreadThatCannotStartIsUndoneAndALaterOneRuns() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        String[] props = {"btree.pageBytes", "1024", "btree.checkpointBytes", "2048"};
        TreeMap<String, byte[]> model = new TreeMap<>();
        AtomicInteger refused = new AtomicInteger();
        try (BTreeStore s = Stores.open(disk, Stores.DIR, props)) {
            ThreadFactory real = s.checkpointThreads;
            s.checkpointThreads = r -> refused.getAndIncrement() < 3 ? new Thread(r) {
                @Override
                public synchronized void start() {
                    throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
                }
            } : real.newThread(r);
            for (int i = 0; i < 3000; i++) {
                String k = String.format("key-%05d", i % 700);
                byte[] v = Stores.filled(60 + i % 50, i);
                s.put(bytes(k), v);
                model.put(k, v);
                if (i % 500 == 0) {
                    Thread.sleep(50); // past the back-off
                }
            }
            assertThat(refused.get()).as("checkpoint thread starts refused, then one that ran").isGreaterThan(3);
            s.verify();
            Stores.checkContent(s, model, "after refused checkpoint threads");
        }
        assertThat(Stores.header(disk, Stores.DIR).generation()).isGreaterThan(2);
        try (BTreeStore s = Stores.open(disk, Stores.DIR, props)) {
            s.verify();
            Stores.checkContent(s, model, "after reopen");
        }
    }
}
