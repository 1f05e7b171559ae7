package io.durakv.lsm;

import java.util.List;
import java.util.PriorityQueue;

/**
 * Merges several {@link InternalIterator}s into one in internal-key order (user key ascending, newest version first).
 * Sources are listed newest first; for the same user key and sequence (which the store never produces) the earlier
 * source wins. Keeps every version: the reader on top (a scan, a compaction) decides which versions it wants. Closing
 * it closes every source. Not thread-safe.
 */
final class MergingIterator implements InternalIterator {

    private final List<InternalIterator> sources;
    private final PriorityQueue<Integer> heap;
    private InternalIterator current;

    MergingIterator(List<InternalIterator> sources) {
        this.sources = List.copyOf(sources);
        this.heap = new PriorityQueue<>(Math.max(1, sources.size()), (a, b) -> {
            InternalIterator x = this.sources.get(a);
            InternalIterator y = this.sources.get(b);
            int c = EntryKind.compare(x.key(), x.sequence(), y.key(), y.sequence());
            return c != 0 ? c : Integer.compare(a, b);
        });
    }

    @Override
    public void seekToFirst() {
        for (InternalIterator s : sources) {
            s.seekToFirst();
        }
        rebuild();
    }

    @Override
    public void seek(byte[] userKey) {
        for (InternalIterator s : sources) {
            s.seek(userKey);
        }
        rebuild();
    }

    private void rebuild() {
        heap.clear();
        for (int i = 0; i < sources.size(); i++) {
            if (sources.get(i).valid()) {
                heap.add(i);
            }
        }
        current = heap.isEmpty() ? null : sources.get(heap.peek());
    }

    @Override
    public boolean valid() {
        return current != null;
    }

    @Override
    public void next() {
        if (current == null) {
            throw new IllegalStateException("the merging iterator is not at an entry");
        }
        int top = heap.poll();
        InternalIterator s = sources.get(top);
        s.next();
        if (s.valid()) {
            heap.add(top);
        }
        current = heap.isEmpty() ? null : sources.get(heap.peek());
    }

    @Override
    public byte[] key() {
        return at().key();
    }

    @Override
    public long sequence() {
        return at().sequence();
    }

    @Override
    public byte kind() {
        return at().kind();
    }

    @Override
    public byte[] value() {
        return at().value();
    }

    private InternalIterator at() {
        if (current == null) {
            throw new IllegalStateException("the merging iterator is not at an entry");
        }
        return current;
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (InternalIterator s : sources) {
            try {
                s.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        heap.clear();
        current = null;
        if (failure != null) {
            throw failure;
        }
    }
}
