package io.durakv.wal;

import io.durakv.api.testkit.CrashWorkload;
import io.durakv.api.testkit.FaultSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The fault suite on the write-ahead log (through {@link WalBackedStore}): failures at every step of appends,
 * rotation, truncation and recovery. A failed write fails only its appends, so after no space the log goes on without
 * a reopen.
 */
class WalFaultTest extends FaultSuite {

    @Override
    protected StoreFactory factory() {
        return WalBackedStore.factory(6);
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("wal.segmentBytes", String.valueOf(WalOptions.MIN_SEGMENT_BYTES));
    }

    /** Values up to 3 KB: the checkpoint record of the whole map must fit one record of the smallest segment. */
    @Override
    protected CrashWorkload workload() {
        return new CrashWorkload(16, 3000);
    }
}
