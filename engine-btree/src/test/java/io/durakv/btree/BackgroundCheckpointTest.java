package io.durakv.btree;

import io.durakv.api.KeyValueIterator;
import io.durakv.api.StoreException;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.durakv.btree.Stores.DIR;
import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Checkpoints run in the background (issue 7): writes go on while a checkpoint writes and forces the tree it froze;
 * the writer waits only when the next checkpoint is overdue; close waits for the one in flight; a failed force in the
 * background stops the store, no space in the background undoes the checkpoint and a later one retries; pages and
 * overflow chains that writes drop from the frozen tree while it is written are freed exactly once, a header later.
 * A gate on the data file's forces holds a checkpoint inside its step 5 for as long as a test needs.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BackgroundCheckpointTest {

    private static final String[] PROPS = {"btree.pageBytes", "1024", "btree.checkpointBytes", "4096"};

    /** Holds the data file's forces, once armed, until released; counts the forces that reached the gate. */
    static final class GatedDisk extends ForwardingDisk {
        volatile boolean armed;
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        GatedDisk(Disk disk) {
            super(disk);
        }

        @Override
        protected DiskFile wrap(DiskFile file) {
            return new ForwardingFile(file) {
                @Override
                public void force(boolean metadata) throws IOException {
                    if (armed && path().endsWith(BTreeFormat.DATA_FILE)) {
                        reached.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException("interrupted", e);
                        }
                    }
                    super.force(metadata);
                }
            };
        }
    }

    private final TreeMap<String, byte[]> model = new TreeMap<>();

    private static String key(int i) {
        return String.format("key-%05d", i);
    }

    private void put(BTreeStore s, int i, byte[] v) {
        s.put(bytes(key(i)), v);
        model.put(key(i), v);
    }

    private void checkContent(BTreeStore s, String where) {
        Stores.checkContent(s, model, where);
    }

    /**
     * Puts keys from {@code from} on until a checkpoint is held at the gate, giving it time to get there after each
     * put (so that the puts stay far below the back-pressure threshold); @return the next key number.
     */
    private int fillUntilACheckpointIsHeld(BTreeStore s, GatedDisk gated, int from) throws InterruptedException {
        gated.armed = true;
        int i = from;
        while (!gated.reached.await(20, TimeUnit.MILLISECONDS)) {
            put(s, i, Stores.filled(40, i));
            i++;
            if (i - from > 5_000) {
                throw new AssertionError("no checkpoint reached the data file's force after 5000 puts");
            }
        }
        return i;
    }

    @Test
    void writesAndReadsGoOnWhileACheckpointForcesItsPagesAndACrashThenLosesNothing() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        GatedDisk gated = new GatedDisk(disk);
        try (BTreeStore s = Stores.open(gated, DIR, PROPS)) {
            int next = fillUntilACheckpointIsHeld(s, gated, 0);
            // The checkpoint is inside step 5: these writes (overwrites of frozen leaves, new keys, deletes, a large
            // value) must complete without it, and be visible at once.
            int frozenKeys = next;
            CompletableFuture<Void> more = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 30; i++) {
                    put(s, i * 3 % frozenKeys, Stores.filled(30, 1000 + i));
                    put(s, frozenKeys + i, Stores.filled(i == 7 ? 3000 : 20, 2000 + i));
                }
                s.delete(bytes(key(1)));
                model.remove(key(1));
            });
            more.get(20, TimeUnit.SECONDS);
            assertThat(gated.reached.getCount()).isZero();
            assertThat(gated.release.getCount()).as("the checkpoint is still held").isEqualTo(1);
            checkContent(s, "while the checkpoint is held");

            // A power loss now, inside the background checkpoint: every acknowledged (SYNC) write is recovered.
            for (long seed = 0; seed < 3; seed++) {
                try (BTreeStore r = Stores.open(disk.crash(seed), DIR, PROPS)) {
                    r.verify();
                    checkContent(r, "crash inside the held checkpoint, seed " + seed);
                }
            }

            gated.armed = false;
            gated.release.countDown();
            s.checkpointNow(); // waits for the held one, then makes everything durable
            s.verify();
            checkContent(s, "after the checkpoints");
        }
        try (BTreeStore r = Stores.open(disk.crash(7), DIR, PROPS)) {
            r.verify();
            checkContent(r, "reopened");
        }
    }

    /**
     * A write that fails the store (a failed force of the log) returns only once a checkpoint in flight has ended, so
     * that the store writes nothing more after the failing call (FaultSuite's "failing fast writes nothing", which
     * a checkpoint still running in the background broke now and then). The checkpoint is held at its data file's
     * force while the log's force fails under a put.
     */
    @Test
    void aWriteThatFailsTheStoreReturnsOnlyOnceTheCheckpointInFlightHasEnded() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        GatedDisk gated = new GatedDisk(disk);
        BTreeStore s = Stores.open(gated, DIR, PROPS);
        try {
            int next = fillUntilACheckpointIsHeld(s, gated, 0);
            disk.inject(FaultRule.fromNthCall(DiskOp.FORCE, ".*wal.*", 1));
            Thread failing = new Thread(() -> assertThatThrownBy(() -> s.put(bytes(key(next)), new byte[] {1}))
                    .isInstanceOf(StoreException.class), "failing put");
            failing.start();
            // The put fails at once; it must then wait for the held checkpoint, not return.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            boolean waited = false;
            while (failing.isAlive() && !waited) {
                waited = java.util.Arrays.stream(failing.getStackTrace())
                        .anyMatch(f -> f.getMethodName().equals("awaitCheckpoint"));
                assertThat(System.nanoTime()).as("the failing put waiting for the checkpoint").isLessThan(deadline);
                Thread.sleep(2);
            }
            assertThat(waited).as("the failing put waited for the checkpoint in flight instead of returning").isTrue();
            gated.armed = false;
            gated.release.countDown();
            failing.join(20_000);
            assertThat(failing.isAlive()).isFalse();
            // From here on nothing may be written: the checkpoint thread is gone, later writes fail fast.
            assertThat(Thread.getAllStackTraces().keySet())
                    .noneMatch(t -> t.getName().startsWith("durakv-btree-checkpoint"));
            long before = disk.mutatingCalls();
            disk.clearFaults();
            assertThatThrownBy(() -> s.put(bytes(key(next + 1)), new byte[] {2})).isInstanceOf(StoreException.class);
            assertThatThrownBy(s::sync).isInstanceOf(StoreException.class);
            assertThat(disk.mutatingCalls()).as("nothing written after the failing put returned").isEqualTo(before);
        } finally {
            gated.release.countDown();
            try {
                s.close();
            } catch (StoreException e) {
                // a failed store reports its failure at close
            }
        }
    }

    @Test
    void aWriterWaitsOnlyWhenTheNextCheckpointIsOverdue() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        GatedDisk gated = new GatedDisk(disk);
        try (BTreeStore s = Stores.open(gated, DIR, PROPS)) {
            int next = fillUntilACheckpointIsHeld(s, gated, 0);
            AtomicInteger done = new AtomicInteger();
            int total = 1000; // about 60 KiB of log: far past twice btree.checkpointBytes
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < total; i++) {
                    put(s, next + i, Stores.filled(40, i));
                    done.incrementAndGet();
                }
            });
            // The writer goes on for a while (more than one put), then stops and stays stopped while the
            // checkpoint is held.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int seen;
            while (true) {
                seen = done.get();
                Thread.sleep(200);
                if (seen == done.get() || System.nanoTime() > deadline) {
                    break;
                }
            }
            assertThat(seen).as("puts done while the checkpoint is held").isGreaterThan(1).isLessThan(total);
            Thread.sleep(200);
            assertThat(done.get()).as("the writer stays stopped").isEqualTo(seen);
            assertThat(writer).isNotDone();

            gated.armed = false;
            gated.release.countDown();
            writer.get(20, TimeUnit.SECONDS);
            assertThat(done.get()).isEqualTo(total);
            s.verify();
            checkContent(s, "after the back-pressure");
        }
        try (BTreeStore r = Stores.open(disk.crash(3), DIR, PROPS)) {
            r.verify();
            checkContent(r, "reopened");
        }
    }

    @Test
    void closeWaitsForTheCheckpointInFlightAndThenMakesEverythingDurable() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        GatedDisk gated = new GatedDisk(disk);
        BTreeStore s = Stores.open(gated, DIR, PROPS);
        int next = fillUntilACheckpointIsHeld(s, gated, 0);
        put(s, next, Stores.filled(2500, 5)); // after the freeze: only the last checkpoint, at close, writes it
        CompletableFuture<Void> close = CompletableFuture.runAsync(s::close);
        Thread.sleep(300);
        assertThat(close).as("close waits for the checkpoint in flight").isNotDone();
        gated.armed = false;
        gated.release.countDown();
        close.get(20, TimeUnit.SECONDS);
        assertThat(s.isClosed()).isTrue();
        assertThatThrownBy(() -> s.put(bytes("x"), bytes("y"))).isInstanceOf(StoreException.class);

        // Close checkpointed everything: the log replays nothing, and only forced state survives a crash.
        try (BTreeStore r = Stores.open(disk.crash(1), DIR, PROPS)) {
            r.verify();
            checkContent(r, "after close");
            assertThat(Stores.header(disk, DIR).checkpointLsn()).as("the last checkpoint holds every write")
                    .isEqualTo(next + 1);
        }
    }

    @Test
    void aFailedForceInTheBackgroundCheckpointStopsTheStoreAndAReopenLosesNothing() {
        SimulatedDisk disk = new SimulatedDisk();
        try (BTreeStore s = Stores.open(disk, DIR, PROPS)) {
            put(s, 0, bytes("first"));
        }
        disk.inject(FaultRule.nthCall(DiskOp.FORCE, "btree\\.db$", 1));
        BTreeStore s = Stores.open(disk, DIR, PROPS);
        int acknowledged = 0;
        StoreException failure = null;
        int failedKey = -1;
        for (int i = 1; i < 5_000 && failure == null; i++) {
            try {
                put(s, i, Stores.filled(40, i));
                acknowledged++;
            } catch (StoreException e) {
                failure = e;
                failedKey = i;
            }
        }
        assertThat(failure).as("a write after the background checkpoint's failed force").isNotNull();
        assertThat(acknowledged).isGreaterThan(0);
        assertThat(disk.calls(DiskOp.FORCE)).isGreaterThan(0);
        // Fail-stop: every later write and sync fails at once; reads go on.
        assertThatThrownBy(() -> s.put(bytes("late"), bytes("v"))).isInstanceOf(StoreException.class);
        assertThatThrownBy(s::sync).isInstanceOf(StoreException.class);
        assertThat(s.get(bytes(key(1)))).isEqualTo(model.get(key(1)));
        assertThatThrownBy(s::close).isInstanceOf(StoreException.class);

        disk.clearFaults();
        try (BTreeStore r = Stores.open(disk.crash(2), DIR, PROPS)) {
            r.verify();
            byte[] inFlight = r.get(bytes(key(failedKey))); // the failed put may have reached the log: either way
            if (inFlight != null) {
                assertThat(inFlight).isEqualTo(Stores.filled(40, failedKey));
                model.put(key(failedKey), inFlight);
            }
            checkContent(r, "reopened after the failed force");
        }
    }

    @Test
    void noSpaceInTheBackgroundCheckpointIsUndoneAndALaterOneSucceeds() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (BTreeStore s = Stores.open(disk, DIR, PROPS)) {
            put(s, 0, bytes("first"));
        }
        // The next checkpoint's page writes fail (no space) three times; the store goes on and retries.
        for (int n = 1; n <= 3; n++) {
            disk.inject(FaultRule.nthCall(DiskOp.WRITE, "btree\\.db$", n));
        }
        try (BTreeStore s = Stores.open(disk, DIR, PROPS)) {
            long generation = Stores.header(disk, DIR).generation();
            int i = 1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Stores.header(disk, DIR).generation() < generation + 2) {
                put(s, i, Stores.filled(i % 50 == 0 ? 2000 : 40, i));
                i++;
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no checkpoint succeeded after the undone ones, " + i + " puts");
                }
                if (i % 200 == 0) {
                    Thread.sleep(20); // let the back-off pass
                }
            }
            s.checkpointNow();
            s.verify();
            checkContent(s, "after the undone checkpoints");
        }
        try (BTreeStore r = Stores.open(disk.crash(4), DIR, PROPS)) {
            r.verify();
            checkContent(r, "reopened");
        }
    }

    @Test
    void pagesAndChainsDroppedWhileCheckpointsRunAreFreedOnceAHeaderLater() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        SlowForceDisk slow = new SlowForceDisk(disk, 1, BTreeFormat.DATA_FILE); // checkpoints overlap writes
        Random rnd = new Random(5);
        List<KeyValueIterator> scans = new ArrayList<>();
        try (BTreeStore s = Stores.open(slow, DIR, PROPS)) {
            for (int op = 0; op < 4_000; op++) {
                int k = rnd.nextInt(300);
                int r = rnd.nextInt(20);
                if (r == 0) {
                    s.delete(bytes(key(k)));
                    model.remove(key(k));
                } else if (r == 1) {
                    scans.add(s.scan(null, null)); // pins a version for a while: copies instead of in-place changes
                } else if (r == 2 && !scans.isEmpty()) {
                    scans.remove(0).close();
                } else {
                    put(s, k, Stores.filled(rnd.nextInt(6) == 0 ? 1200 + rnd.nextInt(3000) : 1 + rnd.nextInt(60),
                            rnd.nextInt()));
                }
                if (op % 250 == 249) {
                    // Right after a background checkpoint published: its header's free list holds no page its tree
                    // (the frozen one) references, though writes dropped many of them meanwhile.
                    s.verify();
                }
            }
            scans.forEach(KeyValueIterator::close);
            s.checkpointNow();
            s.checkpointNow(); // the pages dropped while the last background one ran are free now
            s.verify(); // every page reachable or free, exactly once; nothing pending outside the durable tree
            checkContent(s, "after the churn");
        }
        try (BTreeStore r = Stores.open(disk.crash(6), DIR, PROPS)) {
            r.verify();
            checkContent(r, "reopened");
        }
    }
}
