package io.durakv.lsm;

import java.util.Arrays;
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
     * Each source's current key in place ({@link InternalIterator#keyArray()}, offset, length) and sequence, read
     * once when the source moves: comparisons and this iterator's own key and sequence accessors read these arrays
     * instead of calling the sources, and copy no key.
     */
    private final byte[][] keys;
    private final int[] keyOffsets;
    private final int[] keyLengths;
    private final long[] sequences;
    /**
     * The runner-up: the smaller child of the root, or -1 when not known. While the top source stays ahead of it, the
     * rest of the heap does not change, so a step costs one comparison (a scan of one dominant source, as after a
     * sequential load) instead of a sift's two.
     */
    private int runnerUp = -1;

    MergingIterator(List<InternalIterator> sources) {
        this.sources = sources.toArray(new InternalIterator[0]);
        int n = this.sources.length;
        this.heap = new int[n];
        this.keys = new byte[n][];
        this.keyOffsets = new int[n];
        this.keyLengths = new int[n];
        this.sequences = new long[n];
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
                load(i);
                heap[size++] = i;
            }
        }
        for (int i = size / 2 - 1; i >= 0; i--) {
            siftDown(i);
        }
        current = size == 0 ? null : sources[heap[0]];
    }

    /** Reads source {@code i}'s current key and sequence into the comparison arrays (it is valid). */
    private void load(int i) {
        InternalIterator s = sources[i];
        keys[i] = s.keyArray();
        keyOffsets[i] = s.keyOffset();
        keyLengths[i] = s.keyLength();
        sequences[i] = s.sequence();
    }

    @Override
    public boolean valid() {
        return current != null;
    }

    /** Advances the top source and restores the heap with one sift from the root (no remove and re-insert). */
    @Override
    public void next() {
        InternalIterator top = current;
        if (top == null) {
            throw new IllegalStateException("the merging iterator is not at an entry");
        }
        top.next();
        if (size == 1) { // the last source with entries: streamed, nothing to compare
            if (top.valid()) {
                load(heap[0]);
            } else {
                size = 0;
                current = null;
            }
            return;
        }
        if (!top.valid()) {
            heap[0] = heap[--size];
            runnerUp = -1;
            if (size > 1) {
                siftDown(0);
            }
        } else {
            int t = heap[0];
            load(t);
            if (runnerUp < 0) {
                runnerUp = size > 2 && less(heap[2], heap[1]) ? heap[2] : heap[1];
            }
            if (!less(t, runnerUp)) {
                runnerUp = -1; // the top moves down: the children change
                siftDown(0);
            }
        }
        current = sources[heap[0]];
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

    /**
     * @return whether source {@code a}'s entry comes first: user key ascending, then sequence descending, then the
     *         earlier (newer) source
     */
    private boolean less(int a, int b) {
        int oa = keyOffsets[a];
        int ob = keyOffsets[b];
        int c = Arrays.compareUnsigned(keys[a], oa, oa + keyLengths[a], keys[b], ob, ob + keyLengths[b]);
        if (c != 0) {
            return c < 0;
        }
        long sa = sequences[a];
        long sb = sequences[b];
        return sa != sb ? sa > sb : a < b;
    }

    @Override
    public byte[] key() {
        return at().key();
    }

    @Override
    public byte[] keyArray() {
        return keys[top()];
    }

    @Override
    public int keyOffset() {
        return keyOffsets[top()];
    }

    @Override
    public int keyLength() {
        return keyLengths[top()];
    }

    @Override
    public long sequence() {
        return sequences[top()];
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

    private int top() {
        if (current == null) {
            throw new IllegalStateException("the merging iterator is not at an entry");
        }
        return heap[0];
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
