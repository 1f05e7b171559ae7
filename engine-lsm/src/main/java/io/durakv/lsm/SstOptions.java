package io.durakv.lsm;

/**
 * How an SSTable is written: the target size of its data blocks, how often a data block stores a whole key (a restart
 * point), and the bloom filter's bits per key. Immutable; each {@code with...} returns a validated copy.
 *
 * <p>Readers need none of these: a table records everything needed to read it.
 */
final class SstOptions {

    static final int DEFAULT_BLOCK_BYTES = 4096;
    static final int DEFAULT_RESTART_INTERVAL = 16;
    static final int DEFAULT_BLOOM_BITS_PER_KEY = 10;

    static final int MIN_BLOCK_BYTES = 32;
    static final int MAX_BLOCK_BYTES = 16 << 20;
    static final int MAX_RESTART_INTERVAL = 1024;
    static final int MAX_BLOOM_BITS_PER_KEY = 64;

    private static final SstOptions DEFAULTS =
            new SstOptions(DEFAULT_BLOCK_BYTES, DEFAULT_BLOOM_BITS_PER_KEY, DEFAULT_RESTART_INTERVAL);

    private final int blockBytes;
    private final int bloomBitsPerKey;
    private final int restartInterval;

    private SstOptions(int blockBytes, int bloomBitsPerKey, int restartInterval) {
        if (blockBytes < MIN_BLOCK_BYTES || blockBytes > MAX_BLOCK_BYTES) {
            throw new IllegalArgumentException("SSTable block size must be in [" + MIN_BLOCK_BYTES + ", "
                    + MAX_BLOCK_BYTES + "] bytes, got " + blockBytes);
        }
        if (bloomBitsPerKey < 1 || bloomBitsPerKey > MAX_BLOOM_BITS_PER_KEY) {
            throw new IllegalArgumentException("SSTable bloom bits per key must be in [1, " + MAX_BLOOM_BITS_PER_KEY
                    + "], got " + bloomBitsPerKey);
        }
        if (restartInterval < 1 || restartInterval > MAX_RESTART_INTERVAL) {
            throw new IllegalArgumentException("SSTable restart interval must be in [1, " + MAX_RESTART_INTERVAL
                    + "], got " + restartInterval);
        }
        this.blockBytes = blockBytes;
        this.bloomBitsPerKey = bloomBitsPerKey;
        this.restartInterval = restartInterval;
    }

    /** @return block size 4096 bytes, restart interval 16, bloom 10 bits per key (about 1 % false positives) */
    static SstOptions defaults() {
        return DEFAULTS;
    }

    /** @param bytes target size of a data block's contents, in [32, 16 MiB] */
    SstOptions withBlockBytes(int bytes) {
        return new SstOptions(bytes, bloomBitsPerKey, restartInterval);
    }

    /** @param bits bloom filter bits per distinct user key, in [1, 64] */
    SstOptions withBloomBitsPerKey(int bits) {
        return new SstOptions(blockBytes, bits, restartInterval);
    }

    /** @param interval entries between restart points (whole keys) in a data block, in [1, 1024] */
    SstOptions withRestartInterval(int interval) {
        return new SstOptions(blockBytes, bloomBitsPerKey, interval);
    }

    int blockBytes() {
        return blockBytes;
    }

    int bloomBitsPerKey() {
        return bloomBitsPerKey;
    }

    int restartInterval() {
        return restartInterval;
    }

    @Override
    public String toString() {
        return "SstOptions[blockBytes=" + blockBytes + ", bloomBitsPerKey=" + bloomBitsPerKey + ", restartInterval="
                + restartInterval + "]";
    }
}
