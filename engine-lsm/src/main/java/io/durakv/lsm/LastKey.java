package io.durakv.lsm;

import java.util.Arrays;

/**
 * The last user key a loop over internal entries (in internal-key order) decided on, kept in a reused buffer: it tells
 * an older version of that key from the next key by comparing the source's key in place
 * ({@link InternalIterator#keyArray()}), without an array per entry. Scans, flushes and compactions keep the newest
 * version of each key this way. Not thread-safe.
 */
final class LastKey {

    private byte[] key = new byte[32];
    /** The remembered key's length, -1 while none is. */
    private int length = -1;

    /** @return whether {@code it}'s current user key equals the remembered one */
    boolean matches(InternalIterator it) {
        int n = it.keyLength();
        int from = it.keyOffset();
        return n == length && Arrays.equals(key, 0, n, it.keyArray(), from, from + n);
    }

    /** Remembers {@code it}'s current user key (a copy into the buffer). */
    void remember(InternalIterator it) {
        int n = it.keyLength();
        if (key.length < n) {
            key = new byte[Math.max(n, 2 * key.length)];
        }
        System.arraycopy(it.keyArray(), it.keyOffset(), key, 0, n);
        length = n;
    }

    /** @return a fresh copy of the remembered key; requires one */
    byte[] copy() {
        if (length < 0) {
            throw new IllegalStateException("no key remembered");
        }
        return Arrays.copyOf(key, length);
    }
}
