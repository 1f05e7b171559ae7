package io.durakv.bitcask;

import io.durakv.api.testkit.InputLimitsSuite;
import io.durakv.api.testkit.StoreFactory;

import java.util.Map;

/**
 * The per-call limit of the Bitcask engine (bitcask.md, "Limits"): one batch record must fit one data file, at most
 * {@code bitcask.fileBytes - 116} bytes (here 1 MiB files, so 1 048 460 bytes), below the 16 MiB value limit.
 */
class BitcaskInputLimitsTest extends InputLimitsSuite {

    private static final long FILE = 1 << 20;

    @Override
    protected StoreFactory factory() {
        return new BitcaskEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("bitcask.fileBytes", String.valueOf(FILE));
    }

    @Override
    protected long maxWriteBytes() {
        return FILE - 116;
    }

    @Override
    protected int maxValueBytes() {
        return BitcaskEngine.MAX_VALUE_BYTES;
    }
}
