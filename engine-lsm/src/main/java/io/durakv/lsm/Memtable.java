package io.durakv.lsm;

import io.durakv.api.WriteBatch;

import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-memory sorted table of recent writes: internal entries (user key, sequence number, put or tombstone) in
 * internal-key order ({@link EntryKind#compare}), with a byte budget that the store compares against
 * {@code lsm.memtableBytes}.
 *
 * <p>A memtable holds the writes of one contiguous range of log records: the store applies records strictly in LSN
 * order, and makes a memtable immutable only between two records, so "flushed up to {@link #lastSequence()}" means
 * every record up to that LSN. The operations of one batch share the batch's LSN; a later operation on the same key
 * in the batch replaces the earlier one (same internal key), so a batch reads as its final state.
 *
 * <p>Thread-safety: one writer at a time ({@link #apply}, under the store's writer lock) with any number of concurrent
 * readers; readers filter by sequence number, so they never see a record that is still being applied.
 */
final class Memtable {

    /** Per-entry bookkeeping counted against the budget besides key and value bytes (skip-list node, key object). */
    static final int ENTRY_OVERHEAD = 64;

    /** The stored value of a tombstone (compared by identity). */
    private static final byte[] TOMBSTONE = new byte[0];

    /** A key of the table: user key and sequence number. */
    record InternalKey(byte[] userKey, long sequence) {
    }

    static final Comparator<InternalKey> ORDER =
            (a, b) -> EntryKind.compare(a.userKey, a.sequence, b.userKey, b.sequence);

    /** The newest visible entry of a key: its kind and (for a put) value. */
    record Hit(byte kind, byte[] value) {
    }

    private final ConcurrentSkipListMap<InternalKey, byte[]> table = new ConcurrentSkipListMap<>(ORDER);
    private final AtomicLong bytes = new AtomicLong();
    private volatile long firstSequence;
    private volatile long lastSequence;

    /** Adds the operations of log record {@code lsn}. Only one thread at a time (the store's writer lock). */
    void apply(List<WriteBatch.Op> ops, long lsn) {
        for (WriteBatch.Op op : ops) {
            byte[] value = op.isDelete() ? TOMBSTONE : op.value();
            byte[] old = table.put(new InternalKey(op.key(), lsn), value);
            long size = old == null ? ENTRY_OVERHEAD + op.key().length + value.length : value.length - old.length;
            bytes.addAndGet(size);
        }
        if (firstSequence == 0) {
            firstSequence = lsn;
        }
        lastSequence = lsn;
    }

    /** @return the newest entry of {@code userKey} with sequence {@code <= maxSequence}, or null if there is none */
    Hit get(byte[] userKey, long maxSequence) {
        Map.Entry<InternalKey, byte[]> e = table.ceilingEntry(new InternalKey(userKey, maxSequence));
        if (e == null || java.util.Arrays.compareUnsigned(e.getKey().userKey, userKey) != 0) {
            return null;
        }
        byte[] v = e.getValue();
        return v == TOMBSTONE ? new Hit(EntryKind.DELETE, null) : new Hit(EntryKind.PUT, v);
    }

    /** @return the approximate memory the entries take: key and value bytes plus a per-entry overhead */
    long bytes() {
        return bytes.get();
    }

    boolean isEmpty() {
        return table.isEmpty();
    }

    /** @return the LSN of the first record applied, 0 if none */
    long firstSequence() {
        return firstSequence;
    }

    /** @return the LSN of the last record applied, 0 if none */
    long lastSequence() {
        return lastSequence;
    }

    /** @return an iterator over the entries (weakly consistent: filter by sequence for a snapshot) */
    InternalIterator iterator() {
        return new Cursor();
    }

    /** An {@link InternalIterator} over the skip list. */
    private final class Cursor implements InternalIterator {

        private Iterator<Map.Entry<InternalKey, byte[]>> it;
        private Map.Entry<InternalKey, byte[]> current;

        @Override
        public void seekToFirst() {
            it = table.entrySet().iterator();
            advance();
        }

        @Override
        public void seek(byte[] userKey) {
            it = table.tailMap(new InternalKey(userKey, Long.MAX_VALUE), true).entrySet().iterator();
            advance();
        }

        private void advance() {
            current = it.hasNext() ? it.next() : null;
        }

        @Override
        public boolean valid() {
            return current != null;
        }

        @Override
        public void next() {
            requireValid();
            advance();
        }

        @Override
        public byte[] key() {
            requireValid();
            return current.getKey().userKey;
        }

        @Override
        public long sequence() {
            requireValid();
            return current.getKey().sequence;
        }

        @Override
        public byte kind() {
            requireValid();
            return current.getValue() == TOMBSTONE ? EntryKind.DELETE : EntryKind.PUT;
        }

        @Override
        public byte[] value() {
            requireValid();
            byte[] v = current.getValue();
            return v == TOMBSTONE ? null : v;
        }

        private void requireValid() {
            if (current == null) {
                throw new IllegalStateException("the memtable iterator is not at an entry");
            }
        }

        @Override
        public void close() {
            current = null;
            it = null;
        }
    }
}
