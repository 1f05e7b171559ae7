package io.durakv.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;

/**
 * A file of a {@link SimulatedDisk}: its current bytes (what reads see, the page cache) and its durable bytes (what
 * the last successful force left on stable storage), both as 4 KiB pages, plus the set of pages written since the
 * last force. A force costs O(dirty pages).
 *
 * <p>Page arrays are shared copy-on-write: a force makes the durable page the very array of the current page, and a
 * crash image starts from the durable arrays. So a durable page array is never changed in place; every change to a
 * current page goes through {@link #writablePage(int)}, which copies a page still shared with the durable side.
 *
 * <p>Invariants: current bytes at or past {@link #size()} are zero, so a file that grows reads zeros in the gap; a
 * null page reads as zeros; durable bytes at or past {@link #durableSize()} are never read (after a failed force they
 * may hold stale data).
 *
 * <p>Not thread-safe: guarded by the disk's monitor.
 */
final class SimInode implements SimNode {

    static final int PAGE = SimulatedDisk.PAGE_SIZE;
    /** The largest file the simulator holds in memory; larger files are a test bug, not a use case. */
    static final long MAX_SIZE = 1L << 30;
    private static final byte[] ZEROS = new byte[PAGE];

    private byte[][] pages;
    private long size;
    private byte[][] durablePages;
    private long durableSize;
    private final BitSet dirty = new BitSet();

    /** Creates an empty file. */
    SimInode() {
        this(new byte[0][], 0);
    }

    /** Creates a file whose every byte is durable, e.g. in a crash image; the page arrays become shared. */
    SimInode(byte[][] pages, long size) {
        this.pages = pages;
        this.size = size;
        this.durablePages = pages.clone();
        this.durableSize = size;
    }

    static int pageCount(long size) {
        return (int) ((size + PAGE - 1) / PAGE);
    }

    /** @throws IOException if writing {@code length} bytes at {@code position} would grow a file past {@link #MAX_SIZE} */
    static void checkSize(long position, int length) throws IOException {
        if (position > MAX_SIZE - length) {
            throw new IOException("the simulated disk holds files up to " + MAX_SIZE + " bytes; cannot write "
                    + length + " bytes at " + position);
        }
    }

    long size() {
        return size;
    }

    long durableSize() {
        return durableSize;
    }

    /** @return the current page {@code i} (do not change it), or null if it reads as zeros */
    byte[] page(int i) {
        return i < pages.length ? pages[i] : null;
    }

    /** @return the durable page {@code i} (never changed by anyone), or null if it reads as zeros */
    byte[] durablePage(int i) {
        return i < durablePages.length ? durablePages[i] : null;
    }

    /** @return a copy of the indices of pages written since the last force */
    BitSet dirtyPages() {
        return (BitSet) dirty.clone();
    }

    int dirtyPageCount() {
        return dirty.cardinality();
    }

    /** @return bytes read into {@code dst}, or -1 if {@code position} is at or past the end */
    int read(long position, ByteBuffer dst) {
        if (position >= size) {
            return -1;
        }
        int n = (int) Math.min(dst.remaining(), size - position);
        long pos = position;
        for (int done = 0; done < n; ) {
            int i = (int) (pos / PAGE);
            int off = (int) (pos % PAGE);
            int len = Math.min(PAGE - off, n - done);
            byte[] page = page(i);
            dst.put(page == null ? ZEROS : page, page == null ? 0 : off, len);
            done += len;
            pos += len;
        }
        return n;
    }

    /** Writes all of {@code src} at {@code position}; the caller checked the size with {@link #checkSize}. */
    void write(long position, ByteBuffer src) {
        if (!src.hasRemaining()) {
            return; // as FileChannel: writing nothing does not grow the file
        }
        long pos = position;
        while (src.hasRemaining()) {
            int i = (int) (pos / PAGE);
            int off = (int) (pos % PAGE);
            int len = Math.min(PAGE - off, src.remaining());
            src.get(writablePage(i), off, len);
            dirty.set(i);
            pos += len;
        }
        size = Math.max(size, pos);
    }

    /** Cuts the file to {@code newSize} if it is larger. */
    void truncate(long newSize) {
        if (newSize >= size) {
            return;
        }
        int kept = pageCount(newSize);
        int old = pageCount(size);
        int tail = (int) (newSize % PAGE);
        if (tail != 0 && page(kept - 1) != null) {
            // Keeps "bytes past the size are zero", so that a later growth reads zeros there.
            Arrays.fill(writablePage(kept - 1), tail, PAGE, (byte) 0);
            dirty.set(kept - 1);
        }
        Arrays.fill(pages, kept, Math.min(old, pages.length), null);
        // The cut pages differ from their durable version until the next force: a crash may or may not keep the cut.
        dirty.set(kept, old);
        size = newSize;
    }

    /** Makes the current bytes and size durable. */
    void force() {
        for (int i = dirty.nextSetBit(0); i >= 0; i = dirty.nextSetBit(i + 1)) {
            if (i >= durablePages.length) {
                durablePages = Arrays.copyOf(durablePages, Math.max(i + 1, durablePages.length * 2));
            }
            durablePages[i] = page(i);
        }
        dirty.clear();
        durableSize = size;
        int count = pageCount(size);
        if (count < durablePages.length) {
            // Pages past the end can hold stale data only after a failed force; drop them, they are never read.
            Arrays.fill(durablePages, count, durablePages.length, null);
        }
    }

    /**
     * A failed force, as Linux after "fsyncgate": the written pages are marked clean without reaching stable
     * storage, so no later force writes them (unless they are written again).
     */
    void loseDirtyPages() {
        dirty.clear();
    }

    /** @return a copy of the current bytes */
    byte[] content() {
        byte[] out = new byte[(int) size];
        read(0, ByteBuffer.wrap(out));
        return out;
    }

    /** @return a copy of the durable bytes */
    byte[] durableContent() {
        byte[] out = new byte[(int) durableSize];
        for (int i = 0; i < pageCount(durableSize); i++) {
            byte[] page = durablePage(i);
            if (page != null) {
                System.arraycopy(page, 0, out, i * PAGE, (int) Math.min(PAGE, durableSize - (long) i * PAGE));
            }
        }
        return out;
    }

    /** @return current page {@code i}, allocated or copied so that changing it changes nothing else */
    private byte[] writablePage(int i) {
        if (i >= pages.length) {
            pages = Arrays.copyOf(pages, Math.max(i + 1, pages.length * 2));
        }
        byte[] page = pages[i];
        if (page == null) {
            page = new byte[PAGE];
            pages[i] = page;
        } else if (page == durablePage(i)) {
            page = page.clone();
            pages[i] = page;
        }
        return page;
    }
}
