package io.durakv.lsm;

import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static io.durakv.lsm.Stores.key;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A long compaction lets a waiting memtable be flushed between two of its output tables: the background thread does
 * not leave writers stalled for the whole compaction, and the compaction's edit, applied after those flushes, keeps
 * their L0 files. Every acknowledged put is there, before and after reopening, and the store verifies.
 */
class FlushInCompactionTest {

    /** Forces of tables take a while (a slow device), so writers fill memtables while a compaction writes outputs. */
    private static final class SlowTableForces extends ForwardingDisk {
        SlowTableForces(SimulatedDisk disk) {
            super(disk);
        }

        @Override
        protected DiskFile wrap(DiskFile file) {
            if (!file.path().getFileName().toString().endsWith(".sst")) {
                return file;
            }
            return new ForwardingFile(file) {
                @Override
                public void force(boolean metadata) throws IOException {
                    try {
                        Thread.sleep(3);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    super.force(metadata);
                }
            };
        }
    }

    private static byte[] value(int i, int round) {
        byte[] v = new byte[2000 + i % 500];
        Arrays.fill(v, (byte) (i * 7 + round));
        return v;
    }

    @Test
    void aMemtableWaitingDuringACompactionIsFlushedBetweenItsOutputs() {
        SimulatedDisk sim = new SimulatedDisk();
        String[] props = {"lsm.memtableBytes", "16384", "lsm.level0Trigger", "2", "lsm.levelBaseBytes", "32768",
                "lsm.targetFileBytes", "8192", "lsm.maxImmutableMemtables", "1"};
        int keys = 400;
        int rounds = 0;
        try (LsmStore s = Stores.open(new SlowTableForces(sim), true, props)) {
            // Overwrite every key, round after round, until a flush ran inside a compaction (bounded).
            while (s.stats.flushesInCompaction.get() == 0 && rounds < 60) {
                for (int i = 0; i < keys; i++) {
                    s.put(key(i), value(i, rounds));
                }
                rounds++;
            }
            assertThat(s.stats.flushesInCompaction.get()).as("flushes inside compactions after %d rounds: %s",
                    rounds, s.stats).isPositive();
            assertThat(s.stats.compactions.get()).isPositive();
            for (int i = 0; i < keys; i++) {
                assertThat(s.get(key(i))).as("key %d", i).isEqualTo(value(i, rounds - 1));
            }
            s.verify();
        }
        try (LsmStore s = Stores.open(sim, true, props)) {
            for (int i = 0; i < keys; i++) {
                assertThat(s.get(key(i))).as("key %d after reopen", i).isEqualTo(value(i, rounds - 1));
            }
            s.verify();
        }
    }
}
