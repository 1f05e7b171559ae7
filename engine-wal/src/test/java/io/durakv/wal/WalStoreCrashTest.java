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
        // The store's checkpoint record holds every key's value, and must fit in one 64 KiB segment's record limit
        // (65 420 bytes) even with 3 writer threads of 16 keys each: values of up to 2000 bytes keep it below that
        // unless more than 30 of the 48 values are large ones (each is with probability 1/8).
        return new CrashWorkload(16, 2000);
    }
}
