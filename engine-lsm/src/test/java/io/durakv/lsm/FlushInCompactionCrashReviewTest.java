package io.durakv.lsm;

import io.durakv.api.StoreException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.durakv.lsm.Stores.key;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review attack on the flush inside a compaction: the power fails k mutating calls after the background thread
 * entered {@code Maintenance.flushWaitingMemtable} (inside the flush's table write, its forces, its manifest edit, the
 * log truncation, a manifest rewrite, or the rest of the compaction after it). After the crash every acknowledged
 * (SYNC) put and delete must be there, newest wins, and the store verifies.
 */
class FlushInCompactionCrashReviewTest {

    private static final String[] PROPS = {"lsm.memtableBytes", "16384", "lsm.level0Trigger", "2",
            "lsm.levelBaseBytes", "32768", "lsm.targetFileBytes", "8192", "lsm.maxImmutableMemtables", "1",
            "lsm.manifestRewriteBytes", "2048", "lsm.failingStallMillis", "0", "wal.segmentBytes", "65536"};

    /** Slow table forces (writers fill memtables during compactions); arms the power loss inside the in-compaction flush. */
    private static final class Trap extends ForwardingDisk {
        private final SimulatedDisk sim;
        private final long after;
        volatile boolean armed;

        Trap(SimulatedDisk sim, long after) {
            super(sim);
            this.sim = sim;
            this.after = after;
        }

        void check() {
            if (armed || !Thread.currentThread().getName().startsWith("durakv-lsm-maintenance")) {
                return;
            }
            boolean inside = StackWalker.getInstance().walk(s -> s.anyMatch(
                    f -> f.getMethodName().equals("flushWaitingMemtable")));
            if (inside) {
                armed = true;
                sim.powerLossAfter(after);
            }
        }

        @Override
        public DiskFile open(Path file, OpenMode mode) throws IOException {
            check();
            return super.open(file, mode);
        }

        @Override
        public void forceDirectory(Path dir) throws IOException {
            check();
            super.forceDirectory(dir);
        }

        @Override
        public void rename(Path source, Path target) throws IOException {
            check();
            super.rename(source, target);
        }

        @Override
        protected DiskFile wrap(DiskFile file) {
            boolean table = file.path().getFileName().toString().endsWith(".sst");
            return new ForwardingFile(file) {
                @Override
                public void write(long position, ByteBuffer src) throws IOException {
                    check();
                    super.write(position, src);
                }

                @Override
                public long append(ByteBuffer src) throws IOException {
                    check();
                    return super.append(src);
                }

                @Override
                public void force(boolean metadata) throws IOException {
                    check();
                    if (table) {
                        try {
                            Thread.sleep(3);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    super.force(metadata);
                }

                @Override
                public void truncate(long size) throws IOException {
                    check();
                    super.truncate(size);
                }
            };
        }
    }

    private static byte[] value(int i, int round) {
        byte[] v = new byte[2000 + i % 500];
        Arrays.fill(v, (byte) (i * 7 + round));
        v[0] = (byte) round;
        return v;
    }

    @Test
    void everyAcknowledgedWriteSurvivesAPowerLossInsideTheFlushInACompaction() throws Exception {
        long[] points = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30};
        int trapped = 0;
        for (long k : points) {
            for (long seed = 1; seed <= 2; seed++) {
                if (run(k, seed)) {
                    trapped++;
                }
            }
        }
        assertThat(trapped).as("runs whose power failed inside a flush inside a compaction").isGreaterThan(points.length);
    }

    /** @return whether the power loss was armed inside an in-compaction flush */
    private boolean run(long k, long seed) throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        Trap trap = new Trap(sim, k);
        int keys = 300;
        Map<Integer, byte[]> acked = new HashMap<>();
        int inflightKey = -1;
        byte[] inflightValue = null;
        LsmStore s = Stores.open(trap, true, PROPS);
        try {
            outer:
            for (int round = 0; round < 80; round++) {
                for (int i = 0; i < keys; i++) {
                    boolean delete = (i + round) % 7 == 0;
                    byte[] v = delete ? null : value(i, round);
                    try {
                        if (delete) {
                            s.delete(key(i));
                        } else {
                            s.put(key(i), v);
                        }
                    } catch (StoreException e) {
                        assertThat(sim.poweredOff()).as("write failed with the power on: %s", e).isTrue();
                        inflightKey = i;
                        inflightValue = v;
                        break outer;
                    }
                    acked.put(i, v);
                    if (sim.poweredOff()) {
                        break outer;
                    }
                }
            }
        } finally {
            try {
                s.close();
            } catch (StoreException e) {
                assertThat(sim.poweredOff()).as("close failed with the power on: %s", e).isTrue();
            }
        }
        if (!trap.armed) {
            return false;
        }
        SimulatedDisk after = sim.crash(seed);
        try (LsmStore r = Stores.open(after, false, PROPS)) {
            for (int i = 0; i < keys; i++) {
                byte[] got = r.get(key(i));
                if (i == inflightKey) {
                    assertThat(Arrays.equals(got, acked.get(i)) || Arrays.equals(got, inflightValue))
                            .as("k=%d seed=%d in-flight key %d", k, seed, i).isTrue();
                } else {
                    assertThat(got).as("k=%d seed=%d key %d (stats %s)", k, seed, i, s.stats)
                            .isEqualTo(acked.get(i));
                }
            }
            r.verify();
        }
        return true;
    }

    /**
     * NONE mode: acknowledged writes may be lost at a power loss, but what survives is a prefix of the writes (the
     * in-compaction flush forces the log up to the LSN its table covers before the table, and truncates the log only
     * after its table and edit are durable): never a later write without every earlier one.
     */
    @Test
    void aPowerLossInsideTheFlushInACompactionLeavesAPrefixOfTheWritesInNoneMode() throws Exception {
        long[] points = {0, 1, 2, 3, 4, 5, 6, 8, 10, 14, 20};
        int trapped = 0;
        for (long k : points) {
            if (runNone(k, k + 11)) {
                trapped++;
            }
        }
        assertThat(trapped).as("runs whose power failed inside a flush inside a compaction")
                .isGreaterThan(points.length / 2);
    }

    private record Write(int key, byte[] value) {
    }

    private boolean runNone(long k, long seed) throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        Trap trap = new Trap(sim, k);
        int keys = 300;
        List<Write> writes = new java.util.ArrayList<>();
        StoreOptions.Builder b = StoreOptions.builder().syncMode(SyncMode.NONE).disk(trap);
        for (int i = 0; i < PROPS.length; i += 2) {
            b.property(PROPS[i], PROPS[i + 1]);
        }
        LsmStore s = LsmStore.open(Stores.DIR, b.build(), true);
        try {
            outer:
            for (int round = 0; round < 80; round++) {
                for (int i = 0; i < keys; i++) {
                    boolean delete = (i + round) % 7 == 0;
                    byte[] v = delete ? null : value(i, round);
                    writes.add(new Write(i, v)); // recorded first: a failed write may still be in the log
                    try {
                        if (delete) {
                            s.delete(key(i));
                        } else {
                            s.put(key(i), v);
                        }
                    } catch (StoreException e) {
                        assertThat(sim.poweredOff()).as("write failed with the power on: %s", e).isTrue();
                        break outer;
                    }
                    if (sim.poweredOff()) {
                        break outer;
                    }
                }
            }
        } finally {
            try {
                s.close();
            } catch (StoreException e) {
                assertThat(sim.poweredOff()).as("close failed with the power on: %s", e).isTrue();
            }
        }
        if (!trap.armed) {
            return false;
        }
        SimulatedDisk after = sim.crash(seed);
        try (LsmStore r = Stores.open(after, false, PROPS)) {
            byte[][] got = new byte[keys][];
            for (int i = 0; i < keys; i++) {
                got[i] = r.get(key(i));
            }
            // p: just after the last write whose value survived; the cut is in [p, first put at or after p].
            int p = 0;
            for (int w = 0; w < writes.size(); w++) {
                Write x = writes.get(w);
                if (x.value() != null && Arrays.equals(got[x.key()], x.value())) {
                    p = Math.max(p, w + 1);
                }
            }
            byte[][] model = new byte[keys][];
            for (int w = 0; w < p; w++) {
                model[writes.get(w).key()] = writes.get(w).value();
            }
            boolean matched = false;
            for (int c = p; ; c++) {
                if (Arrays.deepEquals(model, got)) {
                    matched = true;
                    break;
                }
                if (c == writes.size() || writes.get(c).value() != null) {
                    break;
                }
                model[writes.get(c).key()] = null;
            }
            assertThat(matched).as("k=%d: the surviving state is the writes' prefix ending at %d of %d", k, p,
                    writes.size()).isTrue();
            r.verify();
        }
        return true;
    }

    /** Arms nothing: on the first disk call inside an in-compaction flush, counts down and lingers there a while. */
    private static final class Linger extends ForwardingDisk {
        final java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);

        Linger(SimulatedDisk sim) {
            super(sim);
        }

        void check() {
            if (inside.getCount() == 0 || !Thread.currentThread().getName().startsWith("durakv-lsm-maintenance")) {
                return;
            }
            if (StackWalker.getInstance().walk(st -> st.anyMatch(f -> f.getMethodName().equals("flushWaitingMemtable")))) {
                inside.countDown();
                try {
                    Thread.sleep(50); // the store's close starts meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public DiskFile open(Path file, OpenMode mode) throws IOException {
            check();
            return super.open(file, mode);
        }

        @Override
        protected DiskFile wrap(DiskFile file) {
            return new ForwardingFile(file) {
                @Override
                public void force(boolean metadata) throws IOException {
                    check();
                    super.force(metadata);
                }
            };
        }
    }

    /** A close that lands while a flush inside a compaction runs: waits for it, loses nothing, and the store reopens. */
    @Test
    void aCloseDuringAFlushInsideACompactionLosesNothing() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        Linger linger = new Linger(sim);
        int keys = 300;
        Map<Integer, byte[]> acked = new HashMap<>();
        LsmStore s = Stores.open(linger, true, PROPS);
        Thread closer = new Thread(() -> {
            try {
                linger.inside.await();
            } catch (InterruptedException e) {
                return;
            }
            s.close();
        });
        closer.start();
        outer:
        for (int round = 0; round < 80; round++) {
            for (int i = 0; i < keys; i++) {
                byte[] v = value(i, round);
                try {
                    s.put(key(i), v);
                } catch (StoreException e) {
                    assertThat(linger.inside.getCount()).as("a put failed before any close: %s", e).isZero();
                    break outer; // closed: the put was not acknowledged (it may or may not be in the log)
                }
                acked.put(i, v);
            }
        }
        assertThat(linger.inside.getCount()).as("a flush ran inside a compaction").isZero();
        closer.join(60_000);
        s.close();
        try (LsmStore r = Stores.open(sim, false, PROPS)) {
            for (Map.Entry<Integer, byte[]> e : acked.entrySet()) {
                byte[] got = r.get(key(e.getKey()));
                int round = e.getValue()[0];
                // the acknowledged value, or the next round's one (the put refused by the close may have been logged)
                assertThat(Arrays.equals(got, e.getValue()) || Arrays.equals(got, value(e.getKey(), round + 1)))
                        .as("key %d", e.getKey()).isTrue();
            }
            r.verify();
        }
    }

    /**
     * Records the maintenance thread's mutating calls; a log segment deleted by a flush inside a compaction must come
     * after that flush's table was forced, then the directory, then the manifest.
     */
    private static final class OrderCheck extends ForwardingDisk {
        final List<String> events = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        final java.util.concurrent.atomic.AtomicInteger checked = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicReference<String> violation = new java.util.concurrent.atomic.AtomicReference<>();

        OrderCheck(SimulatedDisk sim) {
            super(sim);
        }

        private static boolean maintenance() {
            return Thread.currentThread().getName().startsWith("durakv-lsm-maintenance");
        }

        @Override
        public DiskFile open(Path file, OpenMode mode) throws IOException {
            if (maintenance() && file.getFileName().toString().endsWith(".sst") && mode != OpenMode.READ) {
                events.add("CREATE " + file.getFileName());
            }
            return super.open(file, mode);
        }

        @Override
        public void forceDirectory(Path dir) throws IOException {
            super.forceDirectory(dir);
            if (maintenance()) {
                events.add("FORCE_DIR " + dir);
            }
        }

        /** A log segment removed (deleted, or renamed out of the log for reuse) by a flush inside a compaction. */
        private void removing(Path path) {
            String name = path.getFileName().toString();
            boolean inFlush = maintenance() && path.getParent() != null
                    && path.getParent().getFileName().toString().equals("wal") && name.startsWith("wal-")
                    && name.endsWith(".log") && StackWalker.getInstance().walk(st -> st.anyMatch(
                            f -> f.getMethodName().equals("truncateBefore")))
                    && StackWalker.getInstance().walk(st -> st.anyMatch(
                            f -> f.getMethodName().equals("flushWaitingMemtable")));
            if (inFlush) {
                checkOrder(path);
            }
        }

        @Override
        public void delete(Path path) throws IOException {
            removing(path);
            super.delete(path);
        }

        @Override
        public void rename(Path source, Path target) throws IOException {
            removing(source);
            super.rename(source, target);
        }

        private void checkOrder(Path segment) {
            List<String> e;
            synchronized (events) {
                e = new java.util.ArrayList<>(events);
            }
            int create = -1;
            for (int i = e.size() - 1; i >= 0; i--) {
                if (e.get(i).startsWith("CREATE ")) {
                    create = i; // the flushed table: the last table created (the compaction's outputs come before)
                    break;
                }
            }
            String table = create < 0 ? null : e.get(create).substring("CREATE ".length());
            int tableForce = table == null ? -1 : e.subList(create, e.size()).indexOf("FORCE " + table);
            int dirForce = -1;
            int manifestForce = -1;
            if (tableForce >= 0) {
                tableForce += create;
                for (int i = tableForce + 1; i < e.size(); i++) {
                    if (dirForce < 0 && e.get(i).startsWith("FORCE_DIR ")) {
                        dirForce = i;
                    } else if (dirForce >= 0 && e.get(i).startsWith("FORCE manifest")) {
                        manifestForce = i;
                        break;
                    }
                }
            }
            if (manifestForce < 0) {
                violation.compareAndSet(null, "log segment " + segment + " deleted by a flush inside a compaction"
                        + " before its table " + table + " (force at " + tableForce + "), the directory (" + dirForce
                        + ") and the manifest were forced, in that order: " + e.subList(Math.max(0, create), e.size()));
            }
            checked.incrementAndGet();
        }

        @Override
        protected DiskFile wrap(DiskFile file) {
            Path p = file.path();
            String name = p.getFileName().toString();
            String label = name.endsWith(".sst") ? name
                    : p.getParent() != null && p.getParent().getFileName().toString().startsWith("manifest")
                    ? "manifest " + p : null;
            if (label == null) {
                return file;
            }
            return new ForwardingFile(file) {
                @Override
                public void force(boolean metadata) throws IOException {
                    if (name.endsWith(".sst")) {
                        try {
                            Thread.sleep(3);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    super.force(metadata);
                    if (maintenance()) {
                        events.add("FORCE " + label);
                    }
                }
            };
        }
    }

    @Test
    void aFlushInsideACompactionTruncatesTheLogOnlyAfterItsTableDirectoryAndManifestAreForced() {
        SimulatedDisk sim = new SimulatedDisk();
        OrderCheck disk = new OrderCheck(sim);
        try (LsmStore s = Stores.open(disk, true, PROPS)) {
            for (int round = 0; round < 40 && disk.checked.get() < 3; round++) {
                for (int i = 0; i < 300; i++) {
                    s.put(key(i), value(i, round));
                }
            }
            assertThat(disk.violation.get()).isNull();
            assertThat(disk.checked.get()).as("log segments deleted by flushes inside compactions (%s)", s.stats)
                    .isGreaterThanOrEqualTo(3);
        }
    }
}
