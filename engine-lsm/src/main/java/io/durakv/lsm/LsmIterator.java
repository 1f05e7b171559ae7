package io.durakv.lsm;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;

import java.util.Arrays;
import java.util.NoSuchElementException;

/**
 * A scan: a {@link MergingIterator} over every source of one {@link LsmStore.Snapshot} (memtables, L0, levels),
 * returning for each user key in [from, to) its newest version at the snapshot's sequence number, unless that is a
 * tombstone. Entries written after the scan began have higher sequence numbers and are skipped, so the scan is a
 * consistent point-in-time view; its snapshot holds a reference on its version, so the files it reads stay on disk
 * until it is closed. Not thread-safe.
 */
final class LsmIterator implements KeyValueIterator {

    private final LsmStore store;
    private final LsmStore.Snapshot snapshot;
    private final byte[] to;
    private final MergingIterator it;
    private KeyValue pending;
    /** The user key of the last entry decided (returned or hidden by a tombstone). */
    private final LastKey lastKey = new LastKey();
    private boolean closed;

    LsmIterator(LsmStore store, LsmStore.Snapshot snapshot, byte[] from, byte[] to) {
        this.store = store;
        this.snapshot = snapshot;
        this.to = to == null ? null : to.clone();
        this.it = new MergingIterator(store.sources(snapshot.view()));
        try {
            if (from == null) {
                it.seekToFirst();
            } else {
                it.seek(from.clone());
            }
        } catch (RuntimeException e) {
            it.close(); // unpins the tables; the caller releases the snapshot
            throw e;
        }
    }

    @Override
    public boolean hasNext() {
        checkOpen();
        if (pending != null) {
            return true;
        }
        while (it.valid()) {
            // The key in place (a table's block cursor, a memtable's page): compared there, copied only when returned.
            if (to != null) {
                int from = it.keyOffset();
                if (Arrays.compareUnsigned(it.keyArray(), from, from + it.keyLength(), to, 0, to.length) >= 0) {
                    return false;
                }
            }
            if (it.sequence() > snapshot.sequence() || lastKey.matches(it)) {
                it.next(); // written after the snapshot, or an older version of a key already decided
                continue;
            }
            lastKey.remember(it);
            byte[] value = it.kind() == EntryKind.PUT ? it.takeValue() : null; // ours: a table's copy, or a clone
            it.next();
            if (value != null) {
                pending = new KeyValue(lastKey.copy(), value);
                return true;
            }
        }
        return false;
    }

    @Override
    public KeyValue next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the scan has no more entries");
        }
        KeyValue kv = pending;
        pending = null;
        return kv;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the iterator is closed");
        }
        if (store.isClosed()) {
            throw new IllegalStateException("the store of this iterator is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            it.close();
        } finally {
            store.release(snapshot);
        }
    }
}
