package io.durakv.lsm;

import io.durakv.api.StoreException;
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
            "lsm.manifestRewriteBytes", "2048", "lsm.failingStallMillis", "0"};

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
}
