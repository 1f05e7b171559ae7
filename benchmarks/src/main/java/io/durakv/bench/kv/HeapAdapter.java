package io.durakv.bench.kv;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * An in-memory {@link ConcurrentSkipListMap} behind the adapter interface, used only to warm up kvbench's own code
 * (key and value generation, the zipfian generator, the histograms, the thread harness) before the first engine is
 * measured, so that the first engine does not pay for compiling the harness. Never reported.
 */
final class HeapAdapter extends MapAdapter {

    /**
     * The maps by store directory: kvbench closes and reopens a store between workloads (to measure open time), and
     * an in-memory store must come back with its content, as a disk store does.
     */
    private static final Map<java.nio.file.Path, ConcurrentSkipListMap<byte[], byte[]>> STORES =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final ConcurrentSkipListMap<byte[], byte[]> map;

    HeapAdapter(java.nio.file.Path dir, AdapterSettings settings) {
        this(STORES.computeIfAbsent(dir, d -> new ConcurrentSkipListMap<>(Arrays::compareUnsigned)), settings);
    }

    private HeapAdapter(ConcurrentSkipListMap<byte[], byte[]> map, AdapterSettings settings) {
        super(map, settings);
        this.map = map;
    }

    @Override
    void commit() {
        // An in-memory map has nothing to commit.
    }

    @Override
    public int scan(byte[] from, int limit, EntryVisitor visitor) {
        int n = 0;
        for (Map.Entry<byte[], byte[]> e : (from == null ? map : map.tailMap(from, true)).entrySet()) {
            if (n == limit) {
                break;
            }
            n++;
            if (!visitor.visit(e.getKey(), e.getValue())) {
                break;
            }
        }
        return n;
    }

    @Override
    public void sync() {
        // Nothing to make durable: the warm-up store lives in memory only.
    }

    @Override
    public void close() {
        // Kept for the next open of the same directory; a new directory gets a new map.
    }

    /** Forgets the warm-up's stores once the warm-up is over. */
    static void dropAll() {
        STORES.clear();
    }
}
