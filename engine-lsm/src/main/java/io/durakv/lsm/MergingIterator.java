package io.durakv.lsm;

import java.util.List;

/**
 * Merges several {@link InternalIterator}s into one in internal-key order (user key ascending, newest version first).
 * Sources are listed newest first; for the same user key and sequence (which the store never produces) the earlier
 * source wins. Keeps every version: the reader on top (a scan, a compaction) decides which versions it wants. Closing
 * it closes every source. Not thread-safe.
 */
final class MergingIterator implements InternalIterator {

    private final InternalIterator[] sources;
    /** A binary min-heap of source indexes in {@code [0, size)}, ordered by {@link #less}. */
    private final int[] heap;
    private int size;
    private InternalIterator current;
    /**
     * The runner-up: the smaller child of the root (its source index, key and sequence), or -1 when not known. While
     * the top source stays ahead of it, the rest of the heap does not change, so a step costs one comparison (a scan
     * of one dominant source, as after a sequential load) instead of a sift's two.
     */
    private int runnerUp = -1;
    private byte[] runnerUpKey;
    private long runnerUpSequence;

    MergingIterator(List<InternalIterator> sources) {
        this.sources = sources.toArray(new InternalIterator[0]);
        this.heap = new int[this.sources.length];
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
        size = 0;
        runnerUp = -1;
        for (int i = 0; i < sources.length; i++) {
            if (sources[i].valid()) {
                heap[size++] = i;
            }
        }
        for (int i = size / 2 - 1; i >= 0; i--) {
            siftDown(i);
        }
        current = size == 0 ? null : sources[heap[0]];
    }

    @Override
    public boolean valid() {
        return current != null;
    }

    /** Advances the top source and restores the heap with one sift from the root (no remove and re-insert). */
    @Override
    public void next() {
        if (current == null) {
            throw new IllegalStateException("the merging iterator is not at an entry");
        }
        current.next();
        if (!current.valid()) {
            heap[0] = heap[--size];
            runnerUp = -1;
            if (size > 0) {
                siftDown(0);
            }
        } else if (size > 1) {
            if (runnerUp < 0) {
                int child = size > 2 && less(heap[2], heap[1]) ? heap[2] : heap[1];
                runnerUp = child;
                runnerUpKey = sources[child].key();
                runnerUpSequence = sources[child].sequence();
            }
            int c = EntryKind.compare(current.key(), current.sequence(), runnerUpKey, runnerUpSequence);
            if (c > 0 || (c == 0 && runnerUp < heap[0])) {
                runnerUp = -1; // the top moves down: the children change
                siftDown(0);
            }
        }
        current = size == 0 ? null : sources[heap[0]];
    }

    private void siftDown(int at) {
        int moving = heap[at];
        int i = at;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && less(heap[child + 1], heap[child])) {
                child++;
            }
            if (!less(heap[child], moving)) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = moving;
    }

    /** @return whether source {@code a}'s entry comes first: internal-key order, then the earlier (newer) source */
    private boolean less(int a, int b) {
        InternalIterator x = sources[a];
        InternalIterator y = sources[b];
        int c = EntryKind.compare(x.key(), x.sequence(), y.key(), y.sequence());
        return c != 0 ? c < 0 : a < b;
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

    @Override
    public byte[] takeValue() {
        return at().takeValue();
    }

    @Override
    public void addTo(SstWriter table) throws java.io.IOException {
        at().addTo(table);
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
        size = 0;
        current = null;
        if (failure != null) {
            throw failure;
        }
    }
}
