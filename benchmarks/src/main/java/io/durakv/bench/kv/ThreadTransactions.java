package io.durakv.bench.kv;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Write batching for engines whose write transaction belongs to the thread that began it (LMDB holds its writer
 * mutex, Xodus an exclusive transaction): each writing thread keeps one open transaction and commits it after
 * {@code commitEvery} writes, after every write in SYNC mode, and at {@link #endThread()}. While one thread holds the
 * engine's single writer slot the others wait, as they would for any single-writer engine.
 *
 * @param <T> the engine's transaction type
 */
final class ThreadTransactions<T> {

    /** How to begin and commit (durably, per the engine's configuration) a write transaction. */
    interface Engine<T> {
        T begin();

        void commit(T txn);
    }

    private static final class Open<T> {
        final T txn;
        int writes;

        Open(T txn) {
            this.txn = txn;
        }
    }

    private final Engine<T> engine;
    private final int commitEvery;
    private final ThreadLocal<Open<T>> open = new ThreadLocal<>();
    private final Set<Open<T>> all = ConcurrentHashMap.newKeySet();

    ThreadTransactions(Engine<T> engine, AdapterSettings settings) {
        this.engine = engine;
        // SYNC: every write is its own durable commit.
        this.commitEvery = settings.sync() ? 1 : settings.commitEvery();
    }

    /** @return the calling thread's open write transaction, or null */
    T current() {
        Open<T> o = open.get();
        return o == null ? null : o.txn;
    }

    /** @return the calling thread's write transaction, begun if needed */
    T forWrite() {
        Open<T> o = open.get();
        if (o == null) {
            o = new Open<>(engine.begin());
            open.set(o);
            all.add(o);
        }
        return o.txn;
    }

    /** Counts one write of the calling thread's transaction and commits it when the batch is full. */
    void wrote() {
        Open<T> o = open.get();
        if (++o.writes >= commitEvery) {
            commit(o);
        }
    }

    /** Commits the calling thread's open transaction, if any. */
    void endThread() {
        Open<T> o = open.get();
        if (o != null) {
            commit(o);
        }
    }

    /** @throws IllegalStateException if a thread still holds an open transaction (it ended without endThread) */
    void checkAllEnded() {
        if (!all.isEmpty()) {
            throw new IllegalStateException(all.size() + " write transaction(s) still open: a writing thread ended"
                    + " without calling endThread()");
        }
    }

    private void commit(Open<T> o) {
        open.remove();
        all.remove(o);
        engine.commit(o.txn);
    }
}
