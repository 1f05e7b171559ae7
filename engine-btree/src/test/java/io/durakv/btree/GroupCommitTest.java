package io.durakv.btree;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.durakv.btree.Stores.DIR;
import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** SYNC writes force the log outside the writer lock, so concurrent writers share forces (group commit). */
class GroupCommitTest {

    @Test
    void concurrentSyncWritersShareLogForces() throws Exception {
        SlowForceDisk disk = new SlowForceDisk(new SimulatedDisk(), 2);
        int threads = 8;
        int perThread = 40;
        try (KeyValueStore s = new BTreeEngine().open(DIR, StoreOptions.builder().disk(disk)
                .syncMode(SyncMode.SYNC).build())) {
            long before = disk.forces.get();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                ts.add(new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        s.put(bytes("t" + id + "-" + i), bytes("v" + i));
                    }
                }));
            }
            ts.forEach(Thread::start);
            for (Thread t : ts) {
                t.join();
            }
            long forces = disk.forces.get() - before;
            assertThat(forces).as("forces for %d acknowledged SYNC writes", threads * perThread)
                    .isLessThan(threads * perThread / 2);
            for (int t = 0; t < threads; t++) {
                assertThat(s.get(bytes("t" + t + "-" + (perThread - 1)))).isEqualTo(bytes("v" + (perThread - 1)));
            }
        }
    }
}
