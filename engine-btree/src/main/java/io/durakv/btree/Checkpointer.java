package io.durakv.btree;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * The checkpoint protocol: makes the in-memory tree the durable one without ever overwriting a page the durable
 * header still needs (shadow paging), then lets the log drop what the tree now holds. {@link #write},
 * {@link #publish} and {@link #truncate} are the protocol, one step after another; docs/formats/btree.md describes
 * the same steps with the force after each.
 *
 * <p>Not thread-safe: one checkpoint at a time. Its writing part ({@link #write}, steps 1 to 6) runs in the
 * background, without the store's writer lock, on a tree that writes no longer change in place
 * ({@link TreeWriter#freeze}); {@link #publish} (steps 7, 8) runs under that lock; {@link #truncate} (step 9) after
 * it. Lookups and scans go on throughout; they only wait for the moment pages become reusable
 * ({@link Snapshots#whenQuiet}).
 */
final class Checkpointer {

    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);

    private final PageFile file;
    private final BufferPool pool;
    private final FreeSpace space;
    private final Snapshots snapshots;
    private final Runnable forceLog;
    private final LongConsumer truncateLog;
    private final BooleanSupplier logFailed;
    private final int pageSize;
    /** The generation of the checkpoint in progress; stamped on every page it writes. */
    private long generation;
    /** Where the checkpoint gathers runs of pages with consecutive ids, written with one call each. */
    private final ByteBuffer runBuffer;
    /** The page each node, overflow and free-list page is encoded into before the run writer copies it. */
    private final ByteBuffer scratch;
    /** The writer of the checkpoint in progress. */
    private PageFile.RunWriter pages;

    /** Bytes of the largest write of a run of pages. */
    static final int RUN_BYTES = 256 << 10;

    /**
     * @param forceLog    makes every log record appended so far durable ({@code WriteAheadLog::sync})
     * @param truncateLog drops log records below an LSN ({@code WriteAheadLog::truncateBefore})
     * @param logFailed   whether the log is fail-stop ({@code WriteAheadLog::isFailed})
     */
    Checkpointer(PageFile file, BufferPool pool, FreeSpace space, Snapshots snapshots, Runnable forceLog,
                 LongConsumer truncateLog, BooleanSupplier logFailed) {
        this.file = file;
        this.pool = pool;
        this.space = space;
        this.snapshots = snapshots;
        this.forceLog = forceLog;
        this.truncateLog = truncateLog;
        this.logFailed = logFailed;
        this.pageSize = file.pageSize();
        this.runBuffer = ByteBuffer.allocateDirect(Math.max(RUN_BYTES, pageSize));
        this.scratch = file.newPage();
    }

    /**
     * @return {@link #scratch}, zeroed: valid until the next call; {@link PageFile.RunWriter#write} copies it (so the
     *         bytes written are those of a new page, without allocating one per page)
     */
    private ByteBuffer blankPage() {
        Arrays.fill(scratch.array(), (byte) 0);
        return scratch.clear();
    }

    /**
     * A checkpoint that failed before its header was written (a failed page write or read, a failed header write:
     * no space, typically) and was undone: the durable header is still the previous one, no page it references was
     * touched, the in-memory tree and free space are as before the attempt, and the log was not truncated. Retrying
     * later is safe.
     */
    static final class Undone extends Exception {
        Undone(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * What a checkpoint wrote and made durable (steps 1 to 6), to be published (steps 7 and 8) under the store's writer
     * lock, and then the log truncated (step 9).
     */
    static final class Written {
        final Header header;
        final long lsn;
        final int[] listPages;
        final List<Runnable> publish;

        Written(Header header, long lsn, int[] listPages, List<Runnable> publish) {
            this.header = header;
            this.lsn = lsn;
            this.listPages = listPages;
            this.publish = publish;
        }
    }

    /**
     * Steps 1 to 6 of the protocol: makes {@code root}, which holds every log record up to {@code lsn}, durable as the
     * successor of {@code durable}. Runs without the store's writer lock (in the background, while writes go on):
     * {@code root}'s tree is frozen ({@link TreeWriter#freeze}), and {@link FreeSpace#begin()} was called when it
     * was.
     *
     * @param droppedChains what {@link FreeSpace#begin()} returned
     * @return what to {@link #publish} and {@link #truncate}
     * @throws Undone       if a write failed before the new header was written; nothing on disk that a header
     *                      references changed: the caller rolls back the free space ({@link FreeSpace#rollback()})
     *                      and retries later
     * @throws IOException  if a force failed (or a write of the header was followed by a failed force): the caller
     *                      must then stop accepting writes (fail-stop); the durable header is still {@code durable}
     *                      or the new one, which recovery will tell
     */
    Written write(Node root, long lsn, long keyCount, Header durable, List<Object[]> droppedChains)
            throws IOException, Undone {
        // 1. Force the log up to lsn. The new header will claim records <= lsn; were they lost from the log by a
        //    crash, the log would hand their LSNs to new records after restart, and replay would skip those.
        generation = durable.generation() + 1;
        try {
            forceLog.run();
        } catch (RuntimeException e) {
            if (logFailed.getAsBoolean()) {
                throw e;
            }
            throw new Undone("checkpoint " + generation + " of " + file.path() + " could not force the log", e);
        }

        // Steps 2 to 4 and 6's header write change only pages free in the durable header, and in memory only what
        // space.rollback() restores: the tree takes the new page ids in step 8, after the header is durable.
        pages = file.runWriter(generation, runBuffer);
        List<Runnable> publish = new ArrayList<>();
        int rootId;
        int[] listPages;
        int[] freeIds;
        try {
            // 2. Turn overflow chains dropped before the checkpoint began into pending pages (their links are on
            //    disk).
            resolveDroppedChains(droppedChains);

            // 3. Write every dirty node and large value, children before parents, into pages that are free in the
            //    durable header: nothing the durable tree references is overwritten, so a crash leaves it intact.
            rootId = root == null ? 0 : write(root, publish);

            // 4. Write the new free list, also into free pages; the old list's pages become pending.
            int[][] plan = space.planFreeList(BTreeFormat.freeListCapacity(pageSize));
            listPages = plan[0];
            freeIds = plan[1];
            writeFreeList(listPages, freeIds);
            pages.flush();
        } catch (IOException e) {
            throw new Undone("checkpoint " + generation + " of " + file.path() + " failed to write its pages", e);
        }

        // 5. Force the data file: every page of the new tree and free list is durable before a header points at
        //    them. A torn page from step 3 or 4 is harmless until this force returns, because no header uses it.
        file.force();

        // 6. Write the new header into the other slot and force it: from here on recovery finds the new tree. A
        //    crash that tears this write leaves the slot invalid and recovery uses the previous header, whose
        //    pages steps 3 and 4 did not touch. A failed write is the same as a torn one: the slot holds the old
        //    header (of generation - 2), nothing or a part of the new one that fails its checksum.
        Header next = new Header(pageSize, generation, lsn, rootId,
                listPages.length == 0 ? 0 : listPages[0], freeIds.length, space.pageCount(), keyCount);
        try {
            file.writeHeader(next);
        } catch (IOException e) {
            // A failed write may still have put the whole new header into the page cache, where writeback or the
            // next force could make it durable while a retry reuses this attempt's pages: wipe the slot and force
            // that before undoing. If either fails, the checkpoint cannot be undone safely: fail-stop (the caller
            // turns read-only; a reopen recovers from whichever header is durable, and nothing overwrote the pages
            // of either).
            try {
                file.wipeHeader(next.slot());
                file.force();
            } catch (IOException wipe) {
                e.addSuppressed(wipe);
                throw e;
            }
            throw new Undone("checkpoint " + generation + " of " + file.path() + " failed to write its header", e);
        }
        file.force();
        file.maxGeneration(generation);
        LOG.debug("checkpoint {} of {}: lsn {}, root {}, {} pages, {} free", next.generation(), file.path(), lsn,
                rootId, next.pageCount(), freeIds.length);
        return new Written(next, lsn, listPages, publish);
    }

    /**
     * Steps 7 and 8: the in-memory tree and free space take what the durable header of {@code written} says. Writer
     * lock held.
     */
    void publish(Written written) {
        // 7. The previous header is superseded: the pages only it referenced are free on disk now, and reusable as
        //    soon as no lookup or scan that began before they were dropped can read them.
        space.headerDurable(written.listPages);
        snapshots.whenQuiet(space::promote);

        // 8. Written nodes are clean: they take their page ids, and parents refer to them by page id from now on,
        //    so the pool may evict them; written large values know their chains.
        written.publish.forEach(Runnable::run);
    }

    /**
     * Step 9: only now drop log records up to the written checkpoint's LSN: they are in the tree of the durable
     * header (step 6). A failure here leaves more log than needed; the next checkpoint truncates further.
     */
    void truncate(Written written) {
        try {
            truncateLog.accept(written.lsn + 1);
        } catch (RuntimeException e) {
            LOG.warn("checkpoint {} of {} is durable, but dropping log records below {} failed; the next checkpoint"
                    + " retries: {}", written.header.generation(), file.path(), written.lsn + 1, e.toString());
        }
    }

    private void resolveDroppedChains(List<Object[]> droppedChains) throws IOException {
        for (Object[] dropped : droppedChains) { // space.rollback() gives them back
            long tag = (Long) dropped[0];
            OverflowRef ref = (OverflowRef) dropped[1];
            int pages = (ref.length() + BTreeFormat.overflowCapacity(pageSize) - 1)
                    / BTreeFormat.overflowCapacity(pageSize);
            int id = ref.firstPage();
            for (int i = 0; i < pages && id != 0; i++) {
                ByteBuffer page = file.read(id, BTreeFormat.TYPE_OVERFLOW);
                space.releaseResolved(id, tag);
                id = PageCodec.link(page);
            }
        }
    }

    /**
     * Writes {@code n} and every dirty node below it, children first.
     *
     * @param publish collects what makes the written nodes clean (page ids, slot swaps, pool entries), to apply once
     *                the header is durable, children before parents
     * @return the node's page id
     */
    private int write(Node n, List<Runnable> publish) throws IOException {
        if (!n.isDirty()) {
            return n.pageId();
        }
        ByteBuffer page;
        if (n.isLeaf()) {
            Object[] values = n.slotsCopy();
            for (int i = 0; i < values.length; i++) {
                if (values[i] instanceof LargeValue large) {
                    // A copy of a leaf written by an earlier checkpoint may hold a value whose chain exists already.
                    OverflowRef written = large.chain();
                    OverflowRef ref = written != null ? written : writeChain(large.bytes());
                    if (written == null) {
                        publish.add(() -> large.chainDurable(ref));
                    }
                    values[i] = ref;
                    int slot = i;
                    publish.add(() -> n.swapSlot(slot, ref));
                }
            }
            page = blankPage();
            PageCodec.encodeLeaf(page, n.keysCopy(), values);
        } else {
            int[] children = new int[n.slotCount()];
            for (int i = 0; i < children.length; i++) {
                Object s = n.slot(i);
                if (s instanceof Node child) {
                    Integer id = write(child, publish);
                    children[i] = id;
                    int slot = i;
                    publish.add(() -> n.swapSlot(slot, id));
                } else {
                    children[i] = (Integer) s;
                }
            }
            page = blankPage(); // after the children: they use it too
            PageCodec.encodeInternal(page, n.keysCopy(), children);
        }
        if (page.position() != BTreeFormat.PAGE_HEADER + n.bytes()) {
            throw new IllegalStateException("node " + n + " encoded to " + (page.position() - BTreeFormat.PAGE_HEADER)
                    + " bytes");
        }
        int id = space.allocate();
        pages.write(id, page);
        int cost = n.memoryBytes(); // here, not in step 8, which holds the writer lock
        publish.add(() -> {
            n.setPageId(id);
            pool.put(id, n, cost);
        });
        return id;
    }

    private OverflowRef writeChain(byte[] value) throws IOException {
        int cap = BTreeFormat.overflowCapacity(pageSize);
        int count = (value.length + cap - 1) / cap;
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = space.allocate();
        }
        for (int i = 0; i < count; i++) {
            ByteBuffer page = blankPage();
            int from = i * cap;
            PageCodec.encodeOverflow(page, value, from, Math.min(cap, value.length - from),
                    i + 1 < count ? ids[i + 1] : 0);
            pages.write(ids[i], page);
        }
        return new OverflowRef(ids[0], value.length);
    }

    private void writeFreeList(int[] listPages, int[] freeIds) throws IOException {
        int per = BTreeFormat.freeListCapacity(pageSize);
        for (int j = 0; j < listPages.length; j++) {
            int from = Math.min(freeIds.length, j * per);
            int count = Math.min(per, freeIds.length - from);
            ByteBuffer page = blankPage();
            PageCodec.encodeFreeList(page, freeIds, from, count, j + 1 < listPages.length ? listPages[j + 1] : 0);
            pages.write(listPages[j], page);
        }
    }
}
