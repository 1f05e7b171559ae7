package io.durakv.wal;

import io.durakv.api.testkit.ProcessKillSuite;

import java.util.Map;

/**
 * SIGKILL of a child JVM appending to the write-ahead log (through {@link WalTestEngine}), SYNC and NONE, with the
 * smallest segments: kills land inside appends, group commit, rotation and truncation.
 */
class WalProcessKillTest extends ProcessKillSuite {

    @Override
    protected String engine() {
        return WalTestEngine.NAME;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("wal.segmentBytes", String.valueOf(WalOptions.MIN_SEGMENT_BYTES));
    }
}
