package io.durakv.btree;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.durakv.btree.Stores.DIR;
import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of applying records through {@code ApplyOrder} (review-sync) when log writes fail (no space) under
 * concurrent writers: a failed append hands its LSN out again, so the order must go on with the record written under
 * it by another writer. No writer hangs, the store stays writable, and exactly the acknowledged writes are in the
 * store, before and after reopening (a failed append was not logged, so it is never applied).
 */
class NoSpaceConcurrencyReviewTest {

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void failingLogWritesUnderConcurrentWritersApplyExactlyTheAcknowledgedOnes(SyncMode mode) throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        StoreOptions options = StoreOptions.builder().disk(disk).syncMode(mode)
                .property("btree.checkpointBytes", "16384").property("wal.segmentBytes", "65536").build();
        KeyValueStore store = new BTreeEngine().open(DIR, options);
        disk.inject(FaultRule.withProbability(DiskOp.WRITE, "wal-.*\\.log", 0.05, 11));
        Set<String> acked = ConcurrentHashMap.newKeySet();
        Set<String> failed = ConcurrentHashMap.newKeySet();
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            int id = t;
            writers.add(new Thread(() -> {
                for (int i = 0; i < 250; i++) {
                    String key = "t" + id + "-" + i;
                    try {
                        store.put(bytes(key), bytes("v" + key));
                        acked.add(key);
                    } catch (StoreClosedException e) {
                        unexpected.add(e);
                        return;
                    } catch (StoreException e) {
                        failed.add(key);
                    } catch (Throwable e) {
                        unexpected.add(e);
                        return;
                    }
                }
            }, "writer-" + t));
        }
        writers.forEach(Thread::start);
        for (Thread w : writers) {
            w.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(w.isAlive()).as(w.getName() + " never returned (" + mode + ")").isFalse();
        }
        disk.clearFaults();
        assertThat(unexpected).isEmpty();
        assertThat(failed).as("appends that failed").isNotEmpty();
        assertThat(acked).as("appends that succeeded").hasSizeGreaterThan(100);
        store.put(bytes("after"), bytes("the faults"));
        check(store, acked, failed);
        store.close();
        try (KeyValueStore reopened = new BTreeEngine().open(DIR, options)) {
            check(reopened, acked, failed);
            assertThat(reopened.get(bytes("after"))).isEqualTo(bytes("the faults"));
        }
    }

    private static void check(KeyValueStore store, Set<String> acked, Set<String> failed) {
        for (String key : acked) {
            assertThat(store.get(bytes(key))).as("acknowledged " + key).isEqualTo(bytes("v" + key));
        }
        for (String key : failed) {
            assertThat(store.get(bytes(key))).as("failed " + key).isNull();
        }
    }
}
