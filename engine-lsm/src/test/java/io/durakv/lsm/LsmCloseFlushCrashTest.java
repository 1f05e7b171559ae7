package io.durakv.lsm;

import io.durakv.api.KeyValueStore;
import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import io.durakv.api.testkit.CrashHarness;
import io.durakv.api.testkit.CrashSuite;
import io.durakv.api.testkit.StoreFactory;
import io.durakv.api.testkit.WorkOp;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crash suite with {@link LsmCrashTest}'s thresholds and {@code lsm.closeFlushBytes} 0, so that every close of
 * the harness (the end of each workload and of each crash-recover cycle) flushes the memtables with the flush
 * protocol: crash points fall inside the flushing close (lsm.md, "Close").
 */
class LsmCloseFlushCrashTest extends CrashSuite {

    static final Map<String, String> PROPERTIES = withCloseFlush(LsmCrashTest.SMALL);

    static Map<String, String> withCloseFlush(Map<String, String> properties) {
        Map<String, String> p = new HashMap<>(properties);
        p.put("lsm.closeFlushBytes", "0");
        return Map.copyOf(p);
    }

    @Override
    protected StoreFactory factory() {
        return (dir, options) -> LsmStore.open(dir, options, false);
    }

    @Override
    protected Map<String, String> properties() {
        return PROPERTIES;
    }

    @Override
    protected int enumeratedSeeds() {
        return 1;
    }

    @Override
    protected int randomRuns() {
        return Math.max(1, super.randomRuns() / 4);
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((LsmStore) store).verify();
    }

    /** The suite's closes really flush: after the workload and a close, tables cover every record of the log. */
    @Test
    void closeFlushesEveryRecordOfTheWorkload() {
        CrashHarness h = new CrashHarness(factory(), properties(), workload(), s -> { },
                java.time.Duration.ofMillis(20));
        SimulatedDisk disk = new SimulatedDisk();
        long last;
        try (LsmStore store = (LsmStore) factory().open(CrashHarness.DIR, h.options(SyncMode.SYNC, disk))) {
            for (WorkOp op : workload().generate(new Random(1_000_003L), 0, 0, enumeratedOps())) {
                if (op.isWrite()) {
                    op.executeOn(store);
                }
            }
            last = store.wal.lastLsn();
            assertThat(store.versions.coveredLsn()).as("memtables hold records before close").isLessThan(last);
        }
        try (LsmStore store = (LsmStore) factory().open(CrashHarness.DIR, h.options(SyncMode.SYNC, disk))) {
            assertThat(store.versions.coveredLsn()).isEqualTo(last);
            assertThat(store.view().mem().isEmpty()).isTrue();
        }
    }
}
