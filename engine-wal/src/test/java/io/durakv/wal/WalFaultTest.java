package io.durakv.wal;

import io.durakv.api.testkit.FaultSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The fault suite on the write-ahead log (through {@link WalBackedStore}): failures at every step of appends,
 * rotation, truncation and recovery. The log is fail-stop on any failed write, so after no space it needs a reopen.
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

    @Override
    protected boolean keepsWorkingAfterNoSpace() {
        return false;
    }
}
