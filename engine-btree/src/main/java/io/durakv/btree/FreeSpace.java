package io.durakv.btree;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Which pages may be written, and when a page that left the tree may be written again.
 *
 * <p>The rules (docs/formats/btree.md, "Free space"):
 * <ol>
 *   <li>A checkpoint writes only pages that are free in the last durable header (or new pages past its end), so a
 *       crash at any instant leaves the tree of that header intact.</li>
 *   <li>A page of the durable tree that a write drops is <em>pending</em>: it is still part of the durable tree and
 *       stays untouched until the next header, which no longer references it, is durable. That header lists it as
 *       free.</li>
 *   <li>A page free on disk is <em>retained</em> while an open snapshot (a scan, or a lookup in progress) that began
 *       before the write that dropped it may still read it; only then is it reusable ({@link #free}).</li>
 * </ol>
 * Pages are tagged with the store version (number of writes applied) of the write that dropped them; a snapshot of
 * version {@code v} can reach a page dropped at version {@code f} only if {@code v < f}.
 *
 * <p>A checkpoint runs in the background while writes go on ({@link BTreeStore}): {@link #begin()} freezes the pages
 * and chains dropped so far — those the checkpoint's header frees — and pages the writer drops afterwards are still
 * referenced by the frozen tree the checkpoint writes, so they stay pending until the header after it.
 *
 * <p>Thread-safe: every method is synchronized (the writer drops pages while the checkpoint allocates).
 */
final class FreeSpace {

    /** Pages per segment: {@link #allocate()} takes the free pages of the segment with the most of them. */
    static final int SEGMENT_PAGES = 64;

    /** Reusable now. */
    private final TreeSet<Integer> free = new TreeSet<>();
    /** The number of pages of {@link #free} in each segment of {@link #SEGMENT_PAGES} pages. */
    private int[] segmentFree = new int[16];
    /** The segment {@link #allocate()} takes free pages from until it has none left; -1 before the first. */
    private int segment = -1;
    /** Whether {@link #allocate()} takes new pages past the end of the file until the next segment boundary. */
    private boolean appending;
    /** Free on disk, but maybe still read by a snapshot: {tag, page}, in increasing tag order. */
    private final ArrayDeque<long[]> retained = new ArrayDeque<>();
    /**
     * Still in the durable tree (and in the tree of the checkpoint in flight, if one is), dropped since the last
     * checkpoint began: {tag, page}.
     */
    private List<long[]> pending = new ArrayList<>();
    /** While a checkpoint is in flight: pages dropped before it began, which its header frees; else null. */
    private List<long[]> frozenPending;
    /** Overflow chains of the durable tree dropped since the last checkpoint began, with their tags. */
    private List<Object[]> pendingChains = new ArrayList<>();
    /** While a checkpoint is in flight: the chains dropped before it began, which it resolves into pages. */
    private List<Object[]> frozenChains;
    /** The pages of the durable header's free list. */
    private int[] freeListPages;
    private int pageCount;
    /** While a checkpoint runs: the state before it, to undo it if it fails before its header is durable. */
    private Mark mark;

    /** The state {@link #rollback()} restores, and the pages allocated since. */
    private record Mark(int pageCount, int[] freeListPages, int frozenSize, List<Integer> allocated) {
    }

    /**
     * @param pageCount     pages of the file in the durable header
     * @param freeIds       the durable header's free list
     * @param freeListPages the pages that hold that list
     */
    FreeSpace(int pageCount, int[] freeIds, int[] freeListPages) {
        this.pageCount = pageCount;
        for (int id : freeIds) {
            addFree(id);
        }
        this.freeListPages = freeListPages.clone();
    }

    synchronized int pageCount() {
        return pageCount;
    }

    /**
     * @return a page that no durable header and no snapshot references: a free one, or a new one past the end of the
     *         file. Free pages are taken segment by segment ({@link #SEGMENT_PAGES} pages), each in ascending order,
     *         the segment with the most free pages first (the lowest of equals); if that segment is less than half
     *         free (so is every segment, and the file), or no page is free, new pages fill the next segment past the
     *         end of the file instead. A checkpoint's pages then form long runs of consecutive ids, written with
     *         few calls, which the device makes durable several times faster than the same number of scattered pages;
     *         the price is a file of up to twice its used pages (about 1.9 times under random overwrites)
     *         (docs/formats/btree.md, "Free space").
     */
    synchronized int allocate() {
        if (appending && pageCount % SEGMENT_PAGES == 0) {
            appending = false; // a new segment at the end is complete: choose again
            segment = -1;
        }
        if (!appending && (segment < 0 || segment >= segmentFree.length || segmentFree[segment] == 0)) {
            segment = free.isEmpty() ? -1 : fullestSegment();
            // Grow the file rather than scatter the writes over a mostly used segment. Every segment being less than
            // half free means less than half of the file is: the file stays below twice its used pages.
            appending = segment < 0 || segmentFree[segment] < SEGMENT_PAGES / 2;
        }
        int id;
        if (appending) {
            id = pageCount++;
        } else {
            id = free.ceiling(segment * SEGMENT_PAGES);
            removeFree(id);
        }
        if (mark != null) {
            mark.allocated().add(id);
        }
        return id;
    }

    /** @return the segment with the most free pages, the lowest of equals (at least one page is free) */
    private int fullestSegment() {
        int best = 0;
        for (int s = 1; s < segmentFree.length; s++) {
            if (segmentFree[s] > segmentFree[best]) {
                best = s;
            }
        }
        return best;
    }

    private void addFree(int id) {
        if (free.add(id)) {
            int s = id / SEGMENT_PAGES;
            if (s >= segmentFree.length) {
                segmentFree = Arrays.copyOf(segmentFree, Math.max(s + 1, 2 * segmentFree.length));
            }
            segmentFree[s]++;
        }
    }

    private void removeFree(int id) {
        if (free.remove(id)) {
            segmentFree[id / SEGMENT_PAGES]--;
        }
    }

    /**
     * A checkpoint starts (writer lock held, the tree it writes frozen): the pages and chains dropped so far are the
     * ones its header frees; later drops wait for the next header. Remembers the state, so that {@link #rollback()}
     * can undo what the checkpoint changes (the pages it allocates, the dropped chains it takes, the free-list pages
     * it retires) until {@link #headerDurable} ends it.
     *
     * @return the dropped overflow chains, each {tag (Long), ref}, for the checkpoint to resolve into pages
     *         ({@link #releaseResolved})
     */
    synchronized List<Object[]> begin() {
        if (mark != null) {
            throw new IllegalStateException("a checkpoint is already in flight");
        }
        mark = new Mark(pageCount, freeListPages.clone(), pending.size(), new ArrayList<>());
        frozenPending = pending;
        pending = new ArrayList<>();
        frozenChains = pendingChains;
        pendingChains = new ArrayList<>();
        return new ArrayList<>(frozenChains);
    }

    /**
     * The checkpoint since {@link #begin()} failed before its header was written: every page it allocated is free
     * again (none is referenced by a durable header, and none is referenced by the in-memory tree, which only takes
     * page ids once the header is durable), and what it took from the pending state is back.
     */
    synchronized void rollback() {
        if (mark == null) {
            return;
        }
        for (int id : mark.allocated()) {
            if (id < mark.pageCount()) {
                addFree(id);
            }
        }
        pageCount = mark.pageCount();
        segment = -1; // a retry takes the same pages in the same order
        appending = false;
        freeListPages = mark.freeListPages();
        List<long[]> back = new ArrayList<>(frozenPending.subList(0, mark.frozenSize()));
        back.addAll(pending);
        pending = back;
        List<Object[]> chains = new ArrayList<>(frozenChains);
        chains.addAll(pendingChains);
        pendingChains = chains;
        frozenPending = null;
        frozenChains = null;
        mark = null;
    }

    /** A page of a chain the checkpoint in flight resolved ({@link #begin()}): its header frees it. */
    synchronized void releaseResolved(int id, long tag) {
        frozenPending.add(new long[]{tag, id});
    }

    /** A write at version {@code version} dropped durable page {@code id} from the tree. */
    synchronized void release(int id, long version) {
        if (id != 0) {
            pending.add(new long[]{version, id});
        }
    }

    /** A write at version {@code version} dropped a value stored in a durable overflow chain. */
    synchronized void releaseChain(OverflowRef ref, long version) {
        pendingChains.add(new Object[]{version, ref});
    }

    /**
     * Chooses the pages of the next free list and returns the list's content, for a checkpoint. The old list's pages
     * become pending (they are part of the durable header); the new list's pages come from free space, so that the
     * list the new header points to never overlaps the durable one.
     *
     * @param perPage page ids one free-list page holds
     * @return {@code [listPages, freeIds]}: the pages to write the list to, in chain order, and every page id that
     *         is free in the new header (free, retained and pending before the checkpoint began), sorted
     */
    synchronized int[][] planFreeList(int perPage) {
        List<long[]> pending = frozenPending;
        for (int id : freeListPages) {
            pending.add(new long[]{0, id});
        }
        freeListPages = new int[0];
        List<Integer> listPages = new ArrayList<>();
        while (true) {
            long entries = (long) free.size() + retained.size() + pending.size();
            long needed = (entries + perPage - 1) / perPage;
            if (listPages.size() >= needed) {
                break;
            }
            listPages.add(allocate());
        }
        int[] ids = new int[free.size() + retained.size() + pending.size()];
        int n = 0;
        for (int id : free) {
            ids[n++] = id;
        }
        for (long[] r : retained) {
            ids[n++] = (int) r[1];
        }
        for (long[] p : pending) {
            ids[n++] = (int) p[1];
        }
        Arrays.sort(ids);
        return new int[][]{listPages.stream().mapToInt(Integer::intValue).toArray(), ids};
    }

    /**
     * The header that lists {@code listPages} as its free list is durable: pending pages are free on disk now, and
     * become reusable once no snapshot older than their tag is open.
     */
    synchronized void headerDurable(int[] listPages) {
        mark = null;
        freeListPages = listPages.clone();
        // Tags of pending pages may be lower than tags already retained; keep the deque ordered by merging.
        List<long[]> all = new ArrayList<>(retained);
        all.addAll(frozenPending);
        all.sort((a, b) -> Long.compare(a[0], b[0]));
        retained.clear();
        retained.addAll(all);
        frozenPending = null;
        frozenChains = null;
    }

    /** Makes retained pages that no open snapshot can reach reusable: those dropped at or before {@code minActive}. */
    synchronized void promote(long minActive) {
        while (!retained.isEmpty() && retained.peekFirst()[0] <= minActive) {
            addFree((int) retained.pollFirst()[1]);
        }
    }

    // ---- for verify ------------------------------------------------------------------------------------------

    /** @return every page free on disk in the durable header as this object sees it (free and retained) */
    synchronized TreeSet<Integer> freeOnDisk() {
        TreeSet<Integer> all = new TreeSet<>(free);
        retained.forEach(r -> all.add((int) r[1]));
        return all;
    }

    /** @return the pages dropped from the durable tree since its header */
    synchronized TreeSet<Integer> pendingPages() {
        TreeSet<Integer> all = new TreeSet<>();
        pending.forEach(p -> all.add((int) p[1]));
        return all;
    }

    synchronized int[] freeListPages() {
        return freeListPages.clone();
    }
}
