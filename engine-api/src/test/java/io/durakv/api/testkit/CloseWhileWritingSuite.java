package io.durakv.api.testkit;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store closes while writers run: some are appending, some wait for their records' turn to be applied, and
 * structural work (checkpoints, memtable rotations and stalls, file rotations and merges: small thresholds from
 * {@link #properties()}) runs inside the records being applied. No writer hangs; a writer that did not finish gets
 * {@link StoreClosedException} and nothing else; every acknowledged write is there after reopening (a write that
 * failed may be there too, as the newest value of its key: it may have been logged). On {@link SimulatedDisk}, every
 * sync mode, rounds closing after more and more writes. An engine's test subclasses this with its factory.
 */
public abstract class CloseWhileWritingSuite {

    private static final Path DIR = Path.of("/db");

    /** @return how to open the store under test */
    protected abstract StoreFactory factory();

    /** @return engine properties: small thresholds, so that structural work runs inside the applied records */
    protected abstract Map<String, String> properties();

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void closingWhileWritersWaitForTheirTurnHangsNoneAndLosesNoAcknowledgedWrite(SyncMode mode) throws Exception {
        for (int round = 0; round < 15; round++) {
            SimulatedDisk disk = new SimulatedDisk();
            StoreOptions.Builder b = StoreOptions.builder().disk(disk).syncMode(mode);
            properties().forEach(b::property);
            StoreOptions options = b.build();
            KeyValueStore store = factory().open(DIR, options);
            Map<String, String> acked = new ConcurrentHashMap<>();
            Map<String, String> inFlight = new ConcurrentHashMap<>();
            List<Throwable> unexpected = new CopyOnWriteArrayList<>();
            AtomicInteger writes = new AtomicInteger();
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int id = t;
                writers.add(new Thread(() -> {
                    for (int i = 0; ; i++) {
                        String key = "t" + id + "-" + i % 40; // overwrites: dead records, merges
                        try {
                            store.put(bytes(key), bytes("v" + i));
                            acked.put(key, "v" + i);
                            writes.incrementAndGet();
                        } catch (StoreClosedException e) {
                            inFlight.put(key, "v" + i); // logged perhaps: reopening may replay it
                            return;
                        } catch (Throwable e) {
                            unexpected.add(e);
                            return;
                        }
                    }
                }, "writer-" + t));
            }
            writers.forEach(Thread::start);
            int target = 40 + 25 * round;
            while (writes.get() < target && unexpected.isEmpty()) {
                Thread.onSpinWait();
            }
            store.close();
            for (Thread w : writers) {
                w.join(TimeUnit.SECONDS.toMillis(20));
                assertThat(w.isAlive()).as(w.getName() + " never returned after close (" + mode + ", round " + round
                        + ")").isFalse();
            }
            assertThat(unexpected).as("writers' exceptions other than StoreClosedException").isEmpty();
            try (KeyValueStore reopened = factory().open(DIR, options)) {
                for (Map.Entry<String, String> e : acked.entrySet()) {
                    byte[] got = reopened.get(bytes(e.getKey()));
                    String maybe = inFlight.get(e.getKey());
                    assertThat(got).as("acknowledged " + e.getKey() + "=" + e.getValue() + " (or the failed write "
                            + maybe + " after it; " + mode + ", round " + round + ")")
                            .isIn(bytes(e.getValue()), maybe == null ? bytes(e.getValue()) : bytes(maybe));
                }
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
