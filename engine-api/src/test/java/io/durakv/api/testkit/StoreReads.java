package io.durakv.api.testkit;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;

import java.util.Arrays;
import java.util.NavigableMap;

/** Reading a whole store in the test kit's suites. Stateless. */
public final class StoreReads {

    private StoreReads() {
    }

    /**
     * Reads the store with one full scan, checking that keys come strictly increasing in unsigned order.
     *
     * @param where names the case in a failure message
     * @return every entry, in a map ordered as the API orders keys
     */
    public static NavigableMap<byte[], byte[]> scanOrdered(KeyValueStore store, String where) {
        NavigableMap<byte[], byte[]> state = CrashOracle.newMap();
        byte[] prev = null;
        try (KeyValueIterator it = store.scan(null, null)) {
            while (it.hasNext()) {
                KeyValue kv = it.next();
                if (prev != null && Arrays.compareUnsigned(prev, kv.key()) >= 0) {
                    throw new AssertionError(where + ": scan out of order at " + WorkOp.text(kv.key()));
                }
                prev = kv.key();
                state.put(kv.key(), kv.value());
            }
        }
        return state;
    }
}
