package io.durakv.wal;

import io.durakv.api.testkit.CrashSuite;
import io.durakv.api.testkit.CrashWorkload;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The test kit's crash suite against the write-ahead log, in all three modes, through {@link WalBackedStore}: large
 * values and the smallest segments make the log rotate inside the workloads, and a checkpoint every few writes makes
 * it truncate; crash points fall inside appends, group commit, rotation, truncation and recovery.
 */
class WalStoreCrashTest extends CrashSuite {

    @Override
    protected StoreFactory factory() {
        return WalBackedStore.factory(6);
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("wal.segmentBytes", String.valueOf(WalOptions.MIN_SEGMENT_BYTES));
    }

    @Override
    protected CrashWorkload workload() {
        return new CrashWorkload(16, 6000);
    }
}
