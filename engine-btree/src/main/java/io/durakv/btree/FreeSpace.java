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
 * <p>Not thread-safe: guarded by the store's writer lock.
 */
final class FreeSpace {

    /** Reusable now, lowest first so that the file stays compact. */
    private final TreeSet<Integer> free = new TreeSet<>();
    /** Free on disk, but maybe still read by a snapshot: {tag, page}, in increasing tag order. */
    private final ArrayDeque<long[]> retained = new ArrayDeque<>();
    /** Still in the durable tree, dropped since: {tag, page}. */
    private final List<long[]> pending = new ArrayList<>();
    /** Overflow chains of the durable tree dropped since the last checkpoint, with their tags. */
    private final List<Object[]> pendingChains = new ArrayList<>();
    /** The pages of the durable header's free list. */
    private int[] freeListPages;
    private int pageCount;
    /** While a checkpoint runs: the state before it, to undo it if it fails before its header is durable. */
    private Mark mark;

    /** The state {@link #rollback()} restores, and the pages allocated since. */
    private record Mark(int pageCount, int[] freeListPages, int pendingSize, List<Object[]> pendingChains,
                        List<Integer> allocated) {
    }

    /**
     * @param pageCount     pages of the file in the durable header
     * @param freeIds       the durable header's free list
     * @param freeListPages the pages that hold that list
     */
    FreeSpace(int pageCount, int[] freeIds, int[] freeListPages) {
        this.pageCount = pageCount;
        for (int id : freeIds) {
            free.add(id);
        }
        this.freeListPages = freeListPages.clone();
    }

    int pageCount() {
        return pageCount;
    }

    /** @return a page that no durable header and no snapshot references: the lowest free one, or a new one */
    int allocate() {
        Integer id = free.pollFirst();
        if (id == null) {
            id = pageCount++;
        }
        if (mark != null) {
            mark.allocated().add(id);
        }
        return id;
    }

    /**
     * A checkpoint starts: remembers the state, so that {@link #rollback()} can undo what the checkpoint changes
     * (the pages it allocates, the dropped chains it takes, the free-list pages it retires) until
     * {@link #headerDurable} ends it.
     */
    void begin() {
        mark = new Mark(pageCount, freeListPages.clone(), pending.size(), new ArrayList<>(pendingChains),
                new ArrayList<>());
    }

    /**
     * The checkpoint since {@link #begin()} failed before its header was written: every page it allocated is free
     * again (none is referenced by a durable header, and none is referenced by the in-memory tree, which only takes
     * page ids once the header is durable), and what it took from the pending state is back.
     */
    void rollback() {
        if (mark == null) {
            return;
        }
        for (int id : mark.allocated()) {
            if (id < mark.pageCount()) {
                free.add(id);
            }
        }
        pageCount = mark.pageCount();
        freeListPages = mark.freeListPages();
        pending.subList(mark.pendingSize(), pending.size()).clear();
        pendingChains.clear();
        pendingChains.addAll(mark.pendingChains());
        mark = null;
    }

    /** A write at version {@code version} dropped durable page {@code id} from the tree. */
    void release(int id, long version) {
        if (id != 0) {
            pending.add(new long[]{version, id});
        }
    }

    /** A write at version {@code version} dropped a value stored in a durable overflow chain. */
    void releaseChain(OverflowRef ref, long version) {
        pendingChains.add(new Object[]{version, ref});
    }

    /** @return the dropped chains, each {tag (Long), ref}, for the checkpoint to resolve into pages; clears them */
    List<Object[]> takePendingChains() {
        List<Object[]> chains = new ArrayList<>(pendingChains);
        pendingChains.clear();
        return chains;
    }

    /**
     * Chooses the pages of the next free list and returns the list's content, for a checkpoint. The old list's pages
     * become pending (they are part of the durable header); the new list's pages come from free space, so that the
     * list the new header points to never overlaps the durable one.
     *
     * @param perPage page ids one free-list page holds
     * @return {@code [listPages, freeIds]}: the pages to write the list to, in chain order, and every page id that
     *         is free in the new header (free, retained and pending), sorted
     */
    int[][] planFreeList(int perPage) {
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
    void headerDurable(int[] listPages) {
        mark = null;
        freeListPages = listPages.clone();
        pending.sort((a, b) -> Long.compare(a[0], b[0]));
        // Tags of pending pages may be lower than tags already retained; keep the deque ordered by merging.
        List<long[]> all = new ArrayList<>(retained);
        all.addAll(pending);
        all.sort((a, b) -> Long.compare(a[0], b[0]));
        retained.clear();
        retained.addAll(all);
        pending.clear();
    }

    /** Makes retained pages that no open snapshot can reach reusable: those dropped at or before {@code minActive}. */
    void promote(long minActive) {
        while (!retained.isEmpty() && retained.peekFirst()[0] <= minActive) {
            free.add((int) retained.pollFirst()[1]);
        }
    }

    // ---- for verify ------------------------------------------------------------------------------------------

    /** @return every page free on disk in the durable header as this object sees it (free and retained) */
    TreeSet<Integer> freeOnDisk() {
        TreeSet<Integer> all = new TreeSet<>(free);
        retained.forEach(r -> all.add((int) r[1]));
        return all;
    }

    /** @return the pages dropped from the durable tree since its header */
    TreeSet<Integer> pendingPages() {
        TreeSet<Integer> all = new TreeSet<>();
        pending.forEach(p -> all.add((int) p[1]));
        return all;
    }

    int[] freeListPages() {
        return freeListPages.clone();
    }
}
