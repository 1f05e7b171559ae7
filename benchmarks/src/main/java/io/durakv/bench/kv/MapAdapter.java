package io.durakv.bench.kv;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The shared half of the peers that are a concurrent {@link Map} over a store with one store-wide commit (MVStore,
 * MapDB): writes go to the map, and the store commits every {@code commitEvery} writes from any thread in NONE mode,
 * or commits durably after every write in SYNC mode.
 */
abstract class MapAdapter implements EngineAdapter {

    private final Map<byte[], byte[]> map;
    private final boolean sync;
    private final int commitEvery;
    private final AtomicLong writes = new AtomicLong();

    MapAdapter(Map<byte[], byte[]> map, AdapterSettings settings) {
        this.map = map;
        this.sync = settings.sync();
        this.commitEvery = settings.commitEvery();
    }

    /** Commits the store without a force (NONE mode's periodic commit). */
    abstract void commit();

    private void wrote() {
        if (sync) {
            sync();
        } else if (writes.incrementAndGet() % commitEvery == 0) {
            commit();
        }
    }

    @Override
    public void put(byte[] key, byte[] value) {
        map.put(key, value);
        wrote();
    }

    @Override
    public byte[] get(byte[] key) {
        return map.get(key);
    }

    @Override
    public void delete(byte[] key) {
        map.remove(key);
        wrote();
    }

    @Override
    public void write(List<byte[]> keys, List<byte[]> values) {
        for (int i = 0; i < keys.size(); i++) {
            map.put(keys.get(i), values.get(i));
        }
        wrote();
    }
}
