package io.durakv.btree;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Keys as 8-byte words for binary searches that compare longs instead of byte ranges: a node's keys share a prefix,
 * and the 8 bytes after it (big-endian, zero-padded past the key's end) order most keys on their own. Words that
 * differ order their keys as the full unsigned comparison does (a key that ends where another has a byte is the
 * smaller, and padding with zeros keeps it so); equal words need the full comparison. Used by internal nodes
 * ({@link Node#childIndex}) and cached leaves ({@link LeafPage#search}), whose searches mostly touch memory that is
 * not in the processor's caches: a word array of a node takes a few cache lines, its keys one or more per key.
 */
final class KeyWords {

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private KeyWords() {
    }

    /** @return the word of the key {@code b[from, end)} after its first {@code skip} bytes */
    static long word(byte[] b, int from, int end, int skip) {
        int at = from + skip;
        if (end - at >= 8) {
            return (long) LONG.get(b, at);
        }
        long w = 0;
        for (int i = 0; i < 8; i++) {
            w = (w << 8) | (at + i < end ? b[at + i] & 0xFF : 0);
        }
        return w;
    }

    /** @return the word of {@code key} after its first {@code skip} bytes */
    static long word(byte[] key, int skip) {
        return word(key, 0, key.length, skip);
    }

    /** Sorted keys, however they are stored. */
    interface Keys {
        /** @return the sign of the unsigned comparison of key {@code i} with {@code key} */
        int compareKey(int i, byte[] key);
    }

    /**
     * Binary search over {@code count} sorted keys.
     *
     * @return the index of {@code key} if present, else {@code -(insertion point) - 1}
     */
    static int search(Keys keys, int count, byte[] key) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = keys.compareKey(mid, key);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    /**
     * {@link #search(Keys, int, byte[])} over the keys' words ({@code words[i]}: key {@code i}'s word after
     * {@code prefix} bytes, which every key shares); the keys themselves are compared only where the words tie, and
     * the first key for the prefix.
     */
    static int search(Keys keys, int prefix, long[] words, byte[] firstKey, int firstFrom, byte[] key) {
        // Every key starts with the shared prefix: a key that does not lies before or after all of them.
        int c = java.util.Arrays.compareUnsigned(key, 0, Math.min(prefix, key.length), firstKey, firstFrom,
                firstFrom + prefix);
        if (c != 0) {
            return c < 0 ? -1 : -(words.length + 1);
        }
        long w = word(key, prefix);
        int lo = 0;
        int hi = words.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int d = Long.compareUnsigned(words[mid], w);
            if (d == 0) {
                d = keys.compareKey(mid, key);
            }
            if (d < 0) {
                lo = mid + 1;
            } else if (d > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }
}
