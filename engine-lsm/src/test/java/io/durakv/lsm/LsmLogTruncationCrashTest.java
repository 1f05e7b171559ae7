package io.durakv.lsm;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.CrashSuite;
import io.durakv.api.testkit.CrashWorkload;
import io.durakv.api.testkit.StoreFactory;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crash suite with values up to 8 KiB, so that the log rotates its 64 KiB segments within a run and flushes
 * truncate it: crash points fall inside the segment deletions that end each flush, after its table and manifest edit
 * are durable.
 */
class LsmLogTruncationCrashTest extends CrashSuite {

    @Override
    protected StoreFactory factory() {
        return (dir, options) -> LsmStore.open(dir, options, false);
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("lsm.memtableBytes", "16384", "lsm.level0Trigger", "2", "lsm.levelBaseBytes", "65536",
                "lsm.targetFileBytes", "32768", "lsm.manifestRewriteBytes", "2048", "wal.segmentBytes", "65536");
    }

    @Override
    protected CrashWorkload workload() {
        return new CrashWorkload(16, 8000);
    }

    @Override
    protected int enumeratedOps() {
        return 80;
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

    @Test
    void workloadsTruncateTheLog() {
        Stats total = LsmCrashTest.runWorkload(factory(), properties(), workload(), enumeratedOps(), 1_000_003L);
        assertThat(total.flushes.get()).as("flushes").isGreaterThanOrEqualTo(2);
        assertThat(total.walSegmentsTruncated.get()).as("log truncations that deleted a segment")
                .isGreaterThanOrEqualTo(1);
    }
}
