package io.durakv.lsm;

import io.durakv.api.testkit.InputLimitsSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The per-call limit of the LSM engine (lsm.md, "Limits"): one log record, at most {@code wal.segmentBytes - 116}
 * bytes (here 1 MiB segments, so 1 048 460 bytes), below the 16 MiB value limit.
 */
class LsmInputLimitsTest extends InputLimitsSuite {

    private static final long SEGMENT = 1 << 20;

    @Override
    protected StoreFactory factory() {
        return new LsmEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("wal.segmentBytes", String.valueOf(SEGMENT));
    }

    @Override
    protected long maxWriteBytes() {
        return SEGMENT - 116;
    }

    @Override
    protected int maxValueBytes() {
        return LsmEngine.MAX_VALUE_BYTES;
    }
}
