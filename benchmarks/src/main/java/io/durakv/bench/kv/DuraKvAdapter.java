package io.durakv.bench.kv;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.KeyValueStores;
import io.durakv.api.StoreOptions;
import io.durakv.api.WriteBatch;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A DuraKV engine through the public API only: {@link KeyValueStores#open(String, Path, StoreOptions)} with the
 * settings' sync mode and, where the engine has one, its cache property set to the settings' cache budget. Any
 * engine that {@link KeyValueStores#engines()} lists can be measured this way, so lsm and bitcask join kvbench as
 * soon as they are on the class path.
 */
final class DuraKvAdapter implements EngineAdapter {

    /**
     * The cache-budget property of each DuraKV engine that has one. An engine missing here runs with its default
     * cache; add its property when it gets one, so that it is measured with the same budget as the peers.
     */
    static final Map<String, String> CACHE_PROPERTY = Map.of("btree", "btree.cacheBytes",
            "lsm", "lsm.blockCacheBytes", "bitcask", "bitcask.cacheBytes");

    private final KeyValueStore store;

    DuraKvAdapter(String engine, Path dir, AdapterSettings settings) {
        StoreOptions.Builder options = StoreOptions.builder().syncMode(settings.syncMode());
        String cache = CACHE_PROPERTY.get(engine);
        if (cache != null) {
            options.property(cache, Long.toString(settings.cacheBytes()));
        }
        store = KeyValueStores.open(engine, dir, options.build());
    }

    @Override
    public void put(byte[] key, byte[] value) {
        store.put(key, value);
    }

    @Override
    public byte[] get(byte[] key) {
        return store.get(key);
    }

    @Override
    public void delete(byte[] key) {
        store.delete(key);
    }

    @Override
    public void write(List<byte[]> keys, List<byte[]> values) {
        WriteBatch batch = new WriteBatch();
        for (int i = 0; i < keys.size(); i++) {
            batch.put(keys.get(i), values.get(i));
        }
        store.write(batch);
    }

    @Override
    public int scan(byte[] from, int limit, EntryVisitor visitor) {
        int n = 0;
        try (KeyValueIterator it = store.scan(from, null)) {
            while (n < limit && it.hasNext()) {
                KeyValue kv = it.next();
                n++;
                if (!visitor.visit(kv.key(), kv.value())) {
                    break;
                }
            }
        }
        return n;
    }

    @Override
    public void sync() {
        store.sync();
    }

    @Override
    public void close() {
        store.close();
    }
}
