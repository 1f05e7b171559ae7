package io.durakv.api;

import java.util.Iterator;

/**
 * An iterator over a point-in-time view of a store, in unsigned key order, returned by
 * {@link KeyValueStore#scan(byte[], byte[])}.
 *
 * <p>Close it when done (try-with-resources): an open iterator may keep files of its view alive. After it, or its
 * store, was closed, {@link #hasNext()} and {@link #next()} throw {@link IllegalStateException}. Not thread-safe: use
 * one iterator from one thread at a time.
 */
public interface KeyValueIterator extends Iterator<KeyValue>, AutoCloseable {

    /** Releases the view. Idempotent. */
    @Override
    void close();
}
