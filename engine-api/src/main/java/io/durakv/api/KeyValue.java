package io.durakv.api;

import java.util.Arrays;

/**
 * One entry returned by a scan. The arrays belong to the caller.
 *
 * @param key   the key
 * @param value the value stored under it
 */
public record KeyValue(byte[] key, byte[] value) {

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue other && Arrays.equals(key, other.key) && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "KeyValue[key=" + Arrays.toString(key) + ", value=" + (value == null ? "null" : value.length + " bytes") + "]";
    }
}
