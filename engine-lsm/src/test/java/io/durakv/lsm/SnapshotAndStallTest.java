package io.durakv.lsm;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.durakv.lsm.Stores.DIR;
import static io.durakv.lsm.Stores.key;
import static io.durakv.lsm.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;

/** Scans keep their files; a flush that falls behind stalls writers instead of growing memory. */
class SnapshotAndStallTest {

    @Test
    void aScanKeepsReadingFilesThatCompactionMadeObsoleteAndReleasesThemWhenClosed() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        try (LsmStore s = Stores.open(disk, false, "lsm.memtableBytes", "2048", "lsm.level0Trigger", "2",
                "lsm.levelBaseBytes", "4096", "lsm.targetFileBytes", "2048")) {
            for (int i = 0; i < 200; i++) {
                s.put(key(i), value(i, 0));
            }
            List<FileMeta> before = s.versions.current().allFiles();
            assertThat(before).isNotEmpty();
            KeyValueIterator scan = s.scan(null, null);
            assertThat(scan.next().key()).isEqualTo(key(0));
            for (int i = 0; i < 200; i++) {
                s.put(key(i), value(i, 1)); // compacts every table the scan's version lists away
            }
            List<Long> live = s.versions.current().allFiles().stream().map(f -> f.number).toList();
            List<FileMeta> obsolete = before.stream().filter(f -> !live.contains(f.number)).toList();
            assertThat(obsolete).isNotEmpty();
            for (FileMeta f : obsolete) {
                assertThat(disk.exists(LsmFormat.sstPath(DIR, f.number))).as("kept for the scan: " + f).isTrue();
            }
            int n = 1;
            while (scan.hasNext()) {
                KeyValue kv = scan.next();
                assertThat(kv.key()).isEqualTo(key(n));
                assertThat(kv.value()).as("the scan's snapshot value").isEqualTo(value(n, 0));
                n++;
            }
            assertThat(n).isEqualTo(200);
            scan.close();
            for (FileMeta f : obsolete) {
                assertThat(disk.exists(LsmFormat.sstPath(DIR, f.number))).as("released: " + f).isFalse();
            }
            s.verify();
        }
    }

    @Test
    void writersStallWhileFlushesFallBehindAndImmutableMemtablesStayBounded() throws Exception {
        SimulatedDisk sim = new SimulatedDisk();
        AtomicBoolean slow = new AtomicBoolean(true);
        ForwardingDisk slowTables = new ForwardingDisk(sim) {
            @Override
            protected DiskFile wrap(DiskFile file) {
                if (!file.path().toString().endsWith(".sst")) {
                    return file;
                }
                return new ForwardingFile(file) {
                    @Override
                    public void force(boolean metadata) throws IOException {
                        if (slow.get()) {
                            try {
                                Thread.sleep(30);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        super.force(metadata);
                    }
                };
            }
        };
        AtomicInteger maxImmutables = new AtomicInteger();
        try (LsmStore s = Stores.open(slowTables, true, "lsm.memtableBytes", "1024",
                "lsm.maxImmutableMemtables", "1", "lsm.level0Trigger", "100", "lsm.level0StopTrigger", "100",
                "lsm.maxOpenFiles", "200")) {
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    for (int i = 0; i < 150; i++) {
                        s.put(key(id * 1000 + i), value(i, id));
                        maxImmutables.accumulateAndGet(s.view().immutables().size(), Math::max);
                    }
                });
                writers.add(th);
                th.start();
            }
            for (Thread th : writers) {
                th.join();
            }
            slow.set(false);
            assertThat(s.stats().stalls.get()).as("stalls").isPositive();
            assertThat(maxImmutables.get()).as("most immutable memtables seen").isLessThanOrEqualTo(1);
            for (int t = 0; t < 3; t++) {
                for (int i = 0; i < 150; i++) {
                    assertThat(s.get(key(t * 1000 + i))).isEqualTo(value(i, t));
                }
            }
            s.verify();
        }
    }
}
