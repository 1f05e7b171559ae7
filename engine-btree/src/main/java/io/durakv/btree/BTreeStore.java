package io.durakv.btree;

import io.durakv.wal.ApplyOrder;
import io.durakv.wal.BatchRecord;
import io.durakv.wal.StoreState;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import io.durakv.api.StoreLockedException;
import io.durakv.api.StoreOptions;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The B+tree store: a copy-on-write B+tree of pages in {@code btree.db}, a buffer pool, and the shared write-ahead log
 * in {@code wal/}. Open it through {@code KeyValueStores.open("btree", dir, options)}; this class adds
 * {@link #verify()}, the structural check.
 *
 * <p><b>Writes</b> ({@code put}, {@code delete}, {@code write}): each call becomes one log record, appended (and forced
 * as the sync mode says) without a store lock, so that concurrent writers share forces; then applied to the in-memory
 * tree under the writer lock strictly in LSN order, each writer waiting for the records before its own.
 *
 * <p><b>Checkpoints</b> ({@link Checkpointer}) start when {@code btree.checkpointBytes} of log were written or dirty
 * nodes passed half of {@code btree.cacheBytes} since the last one began, and run in the background: the writer that
 * starts one freezes the current tree ({@link TreeWriter#freeze}, {@link FreeSpace#begin()}) and goes on, while a
 * checkpoint thread writes the frozen tree, forces it, writes and forces the header, and only then publishes it under
 * the writer lock and truncates the log. One runs at a time; a writer that finds the next one overdue (twice the log
 * threshold, or the dirty-node threshold again) while one still runs waits for it (back-pressure: the log and the
 * dirty nodes stay bounded). Close and
 * {@link #verify()} wait for it; close then runs the last checkpoint itself.
 *
 * <p><b>Reads</b> take no store-wide lock: a lookup reads the current root and descends; a scan pins the root of the
 * moment it was opened. Both only keep the pages they may read from being reused ({@link Snapshots}).
 *
 * <p><b>Failures</b>: a write whose log append fails while the log goes on (no space: {@code wal.isFailed()} is
 * false) throws and changes nothing; the store stays writable. A checkpoint whose page or header write fails is undone
 * and retried after a back-off ({@link Checkpointer.Undone}); the write that triggered it goes on. If the log is
 * fail-stop, a force fails, or applying a record or a page read during a write fails, the store turns read-only
 * (fail-stop): every later write, {@code sync} and checkpoint throws {@link StoreException} at once; reads go on.
 * Reopening recovers from what is on disk.
 *
 * <p>Thread-safe.
 */
public final class BTreeStore implements KeyValueStore {

    private static final Logger LOG = LoggerFactory.getLogger(BTreeStore.class);

    /** A root and the number of writes it reflects; published together. */
    record Version(Node root, long number) {
    }

    private final Path dir;
    private final BTreeConfig config;
    private final DiskLock lock;
    private final PageFile file;
    private final BufferPool pool;
    private final Snapshots snapshots = new Snapshots();
    /** Input limits; complete once the log is open. */
    private Limits limits;

    /** Serializes applying writes, checkpoints and close. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile Version current;
    private final StoreState state;

    // Guarded by writeLock.
    private FreeSpace space;
    private TreeWriter writer;
    private Checkpointer checkpointer;
    private Log wal;
    private Header durable;
    private long appliedLsn;
    /** Applies logged records in LSN order; created once recovery knows the last LSN applied. */
    private ApplyOrder order;
    private long keyCount;
    private long logBytesSinceCheckpoint;
    /** The thread of the checkpoint in flight, or null. */
    private Thread checkpointThread;
    /** Signalled when the checkpoint in flight ends (written, undone or failed). */
    private final Condition checkpointEnded = writeLock.newCondition();
    /** Log bytes the tree of the checkpoint in flight holds beyond the durable header's (given back if undone). */
    private long frozenLogBytes;
    /** After a checkpoint was undone (no space): no new attempt before this {@link System#nanoTime()}. */
    private long checkpointRetryAt;
    /** The current back-off after undone checkpoints; 0 after a checkpoint succeeded. */
    private long checkpointBackoffNanos;

    /** The first back-off after an undone checkpoint, doubled after each further one up to {@link #MAX_BACKOFF}. */
    static final long MIN_BACKOFF = 10_000_000L;
    static final long MAX_BACKOFF = 1_000_000_000L;

    private BTreeStore(Path dir, BTreeConfig config, DiskLock lock, PageFile file) {
        this.dir = dir;
        this.config = config;
        this.lock = lock;
        this.file = file;
        this.pool = new BufferPool(file, config.cacheBytes());
        this.state = new StoreState(dir, writeLock);
    }

    /**
     * Opens (creating if needed) the store in {@code dir}: takes the directory lock, finds the newest durable header,
     * and replays the log records after its checkpoint LSN.
     *
     * @throws IllegalArgumentException for an unknown property or a bad value
     * @throws StoreLockedException     if the directory is open elsewhere; nothing was changed
     * @throws io.durakv.api.CorruptionException if durable data is damaged
     */
    public static BTreeStore open(Path dir, StoreOptions options) {
        return open(dir, options, WalLog::open);
    }

    /** How the store opens its log: {@link WalLog#open} in production. */
    @FunctionalInterface
    interface LogOpener {
        Log open(Path dir, StoreOptions options, BTreeConfig config);
    }

    /** As {@link #open(Path, StoreOptions)}, with the log opened by {@code logOpener}. */
    static BTreeStore open(Path dir, StoreOptions options, LogOpener logOpener) {
        BTreeConfig config = BTreeConfig.from(options);
        Disk disk = options.disk();
        DiskLock lock = DiskLock.lockStore(disk, dir, BTreeFormat.LOCK_FILE);
        PageFile file = null;
        try {
            Recovery.createIfAbsent(disk, dir, config.pageBytes());
            Recovery.DataFile data = Recovery.openDataFile(disk, dir);
            file = data.file();
            file.mapReads(config.readMappingBytes());
            BTreeStore store = new BTreeStore(dir, config, lock, file);
            store.recover(data.header(), options, logOpener);
            return store;
        } catch (IOException | RuntimeException e) {
            Closeables.closeAfterFailure(file, e);
            Closeables.closeAfterFailure(lock, e);
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new StoreException("cannot open the store in " + dir, e);
        }
    }

    private void recover(Header header, StoreOptions options, LogOpener logOpener) throws IOException {
        int[][] freeList = Recovery.readFreeList(file, header);
        space = new FreeSpace(header.pageCount(), freeList[0], freeList[1]);
        writer = new TreeWriter(pool, space, file.pageSize());
        durable = header;
        keyCount = header.keyCount();
        appliedLsn = header.checkpointLsn();
        current = new Version(header.root() == 0 ? null : pool.node(header.root()), 0);
        wal = logOpener.open(dir.resolve(BTreeFormat.WAL_DIR), options, config);
        limits = new Limits(file.pageSize(), wal.maxRecordBytes());
        try {
            checkpointer = new Checkpointer(file, pool, space, snapshots, wal::sync, wal::truncateBefore,
                    wal::isFailed);
            long[] replayed = Recovery.replay(wal, header.checkpointLsn(), dir.resolve(BTreeFormat.WAL_DIR),
                    file.path(), this::applyToTree);
            logBytesSinceCheckpoint = replayed[1];
            order = new ApplyOrder(writeLock, state::checkWritable, appliedLsn);
            state.wakeOnChange(order::wakeAll);
            LOG.debug("opened {}: generation {}, checkpoint LSN {}, replayed {} log records", dir,
                    header.generation(), header.checkpointLsn(), replayed[0]);
        } catch (RuntimeException e) {
            Closeables.closeAfterFailure(wal, e);
            throw e;
        }
    }

    // ---- reads -------------------------------------------------------------------------------------------------

    @Override
    public byte[] get(byte[] key) {
        limits.checkKey(key);
        state.checkOpen();
        Lock l = snapshots.lookupLock();
        l.lock();
        try {
            Node n = current.root();
            if (n == null) {
                return null;
            }
            while (!n.isLeaf()) {
                Object child = pool.lookup(n, n.childIndex(key));
                if (child instanceof LeafPage leaf) {
                    // A leaf cached as its page bytes: searched in place, one value copied out.
                    int i = leaf.search(key);
                    return i < 0 ? null : leaf.value(i, pool);
                }
                n = (Node) child;
            }
            int i = n.lookup(key);
            return i < 0 ? null : value(n.slot(i));
        } finally {
            l.unlock();
        }
    }

    @Override
    public KeyValueIterator scan(byte[] fromInclusive, byte[] toExclusive) {
        state.checkOpen();
        Lock l = snapshots.lookupLock();
        l.lock();
        Version v;
        try {
            v = snapshots.pin(() -> current, Version::number);
        } finally {
            l.unlock();
        }
        return new Cursor(this, v, fromInclusive, toExclusive);
    }

    /** @return a copy of a value slot's content (reading an overflow chain if needed) */
    byte[] value(Object slot) {
        if (slot instanceof byte[] v) {
            return v.clone();
        }
        return slot instanceof LargeValue large ? large.bytes().clone() : pool.readOverflow((OverflowRef) slot);
    }

    BufferPool pool() {
        return pool;
    }

    Snapshots snapshots() {
        return snapshots;
    }

    /** @return the current root (tests) */
    Node root() {
        return current.root();
    }

    boolean isClosed() {
        return state.isClosed();
    }

    // ---- writes ------------------------------------------------------------------------------------------------

    @Override
    public void put(byte[] key, byte[] value) {
        limits.checkKey(key);
        limits.checkValue(key, value);
        List<WriteBatch.Op> ops = List.of(new WriteBatch.Op(key.clone(), value.clone()));
        limits.checkRecord(ops);
        write(ops);
    }

    @Override
    public void delete(byte[] key) {
        limits.checkKey(key);
        write(List.of(new WriteBatch.Op(key.clone(), null)));
    }

    @Override
    public void write(WriteBatch batch) {
        if (batch == null) {
            throw new IllegalArgumentException("batch is null");
        }
        List<WriteBatch.Op> ops = List.copyOf(batch.ops());
        for (WriteBatch.Op op : ops) {
            limits.checkKey(op.key());
            if (!op.isDelete()) {
                limits.checkValue(op.key(), op.value());
            }
        }
        limits.checkRecord(ops);
        if (ops.isEmpty()) {
            state.checkOpen();
            return;
        }
        write(ops);
    }

    /**
     * Logs {@code ops} as one record, then applies them in LSN order. The append runs outside the writer lock, so
     * that concurrent writers share the log's writes and forces (group commit); then {@link ApplyOrder} applies the
     * records under the lock exactly in log order, each writer returning once its own is applied.
     */
    private void write(List<WriteBatch.Op> ops) {
        byte[] record = BatchRecord.encode(ops);
        state.checkWritable();
        long lsn;
        try {
            lsn = wal.append(record);
        } catch (RuntimeException | Error e) {
            if (e instanceof StoreException se && !(e instanceof StoreClosedException) && !wal.isFailed()) {
                // Not written (no space): the log kept nothing of it and hands its LSN out again, so no writer
                // waits for it. Only this write fails; the store stays writable.
                throw se;
            }
            // The log failed: an append that failed may have taken an LSN that writers after it would wait for
            // forever, so fail.
            StoreException f = state.isClosed() ? state.closedException() : failQuiescent("log append", e);
            if (e instanceof Error error) {
                throw error;
            }
            throw f;
        }
        try {
            order.apply(lsn, () -> applyInOrder(ops, lsn, record.length));
        } catch (IllegalStateException e) {
            throw state.fail("applying log record " + lsn, e);
        }
    }

    /** Applies one logged record, its turn come (writer lock held, by this writer or one applying records before). */
    private void applyInOrder(List<WriteBatch.Op> ops, long lsn, int recordBytes) {
        state.checkWritable();
        if (checkpointDue(1)) {
            if (checkpointThread != null && checkpointDue(2)) {
                // Back-pressure: the next checkpoint is overdue while one still runs; wait for it, so that the log
                // (about three intervals at most) and the dirty nodes (about the cache budget) stay bounded.
                awaitCheckpoint();
                state.checkWritable();
            }
            if (checkpointThread == null && checkpointDue(1)) {
                startCheckpoint(); // undone on a full disk: a later write retries after a back-off
            }
        }
        try {
            applyToTree(ops, lsn);
        } catch (RuntimeException | Error e) {
            StoreException f = state.fail("applying log record " + lsn, e);
            if (e instanceof Error error) {
                throw error;
            }
            throw f;
        }
        logBytesSinceCheckpoint += recordBytes;
    }

    /**
     * Applies one log record's operations and publishes the new root. Writer lock held (or recovery). No scan opens
     * meanwhile, so that a single operation may change nodes in place that no open scan can reach (TreeWriter).
     */
    private void applyToTree(List<WriteBatch.Op> ops, long lsn) {
        snapshots.publishing(() -> {
            long number = current.number() + 1;
            writer.version(number, ops.size() == 1 ? snapshots.newestOpen() : Long.MAX_VALUE);
            Node root = current.root();
            for (WriteBatch.Op op : ops) {
                root = op.isDelete() ? writer.delete(root, op.key()) : writer.put(root, op.key(), op.value());
            }
            keyCount += writer.takeKeyDelta();
            appliedLsn = lsn;
            current = new Version(root, number);
        });
    }

    @Override
    public void sync() {
        state.checkWritable();
        try {
            wal.sync();
        } catch (RuntimeException e) {
            if (e instanceof StoreException se && !(e instanceof StoreClosedException) && !wal.isFailed()) {
                throw se; // nothing was lost and the log goes on
            }
            throw failQuiescent("log sync", e);
        }
    }

    /**
     * Fails the store, then waits for a checkpoint in flight to end (it stops at its next failed step or completes;
     * either way it is durable work of acknowledged writes), so that the store writes nothing more once the call that
     * saw the failure returns. Never called on the checkpoint thread.
     */
    private StoreException failQuiescent(String what, Throwable e) {
        StoreException f = state.fail(what, e);
        writeLock.lock();
        try {
            awaitCheckpoint();
        } finally {
            writeLock.unlock();
        }
        return f;
    }

    /**
     * @param times 1: whether the next checkpoint is due; 2: whether it is overdue (the log threshold passed twice,
     *              or the dirty nodes outside the checkpoint in flight reached its budget: with the frozen ones, the
     *              cache budget)
     * @return that, and that no back-off holds. Lock held.
     */
    private boolean checkpointDue(int times) {
        return (logBytesSinceCheckpoint >= times * config.checkpointBytes()
                || writer.dirtyBytes() >= config.dirtyBudget())
                && (checkpointBackoffNanos == 0 || System.nanoTime() - checkpointRetryAt >= 0);
    }

    /** The tree a checkpoint writes, frozen at its start. */
    private record Frozen(Node root, long lsn, long keyCount, Header durable, List<Object[]> droppedChains) {
    }

    /**
     * Freezes the current tree for a checkpoint: writes no longer change its nodes in place, and the free space
     * separates what its header frees from what later writes drop. Writer lock held, no checkpoint in flight.
     */
    private Frozen freeze() {
        Frozen f = new Frozen(current.root(), appliedLsn, keyCount, durable, space.begin());
        writer.freeze(current.number());
        frozenLogBytes = logBytesSinceCheckpoint;
        logBytesSinceCheckpoint = 0;
        return f;
    }

    /** Makes the checkpoint threads ({@link #startCheckpoint}); tests replace it to make starting one fail. */
    volatile ThreadFactory checkpointThreads = r -> {
        Thread t = new Thread(r, "durakv-btree-checkpoint " + BTreeStore.this.dir.getFileName());
        t.setDaemon(true);
        return t;
    };

    /**
     * Starts a checkpoint of the current tree in the background. Writer lock held, no checkpoint in flight. If the
     * thread cannot be started (no memory or thread left), the freeze is undone as for a checkpoint undone for lack
     * of space, and a later write retries after a back-off: otherwise the store would wait forever for a checkpoint
     * that never runs (back-pressure, close, verify).
     */
    private void startCheckpoint() {
        Frozen f = freeze();
        try {
            Thread t = checkpointThreads.newThread(() -> runInBackground(f));
            t.start();
            checkpointThread = t;
        } catch (RuntimeException | Error e) {
            undo(new Checkpointer.Undone("checkpoint " + (f.durable().generation() + 1) + " of " + file.path()
                    + " could not start its thread", e));
        }
    }

    /** The checkpoint thread: writes and forces without the lock, then publishes under it. */
    private void runInBackground(Frozen f) {
        try {
            Checkpointer.Written written = null;
            Checkpointer.Undone undone = null;
            Throwable failure = null;
            try {
                written = checkpointer.write(f.root(), f.lsn(), f.keyCount(), f.durable(), f.droppedChains());
            } catch (Checkpointer.Undone e) {
                undone = e;
            } catch (IOException | RuntimeException | Error e) {
                failure = e;
            }
            if (failure != null) {
                state.fail("checkpoint", failure);
            }
            writeLock.lock();
            try {
                if (written != null) {
                    publish(written);
                } else {
                    undo(undone);
                }
            } finally {
                writeLock.unlock();
            }
            if (written != null) {
                checkpointer.truncate(written);
            }
        } catch (RuntimeException | Error e) {
            state.fail("checkpoint", e);
        } finally {
            writeLock.lock();
            try {
                checkpointThread = null;
                checkpointEnded.signalAll();
            } finally {
                writeLock.unlock();
            }
        }
    }

    /**
     * The frozen tree is durable: the tree and free space take its pages; pages and chains the checkpoint gave to
     * nodes and values that writes dropped meanwhile are pending (the new header references them, the next one will
     * not). Writer lock held.
     */
    private void publish(Checkpointer.Written written) {
        checkpointer.publish(written);
        durable = written.header;
        for (Object[] dropped : writer.thaw(true)) {
            long tag = (Long) dropped[1];
            if (dropped[0] instanceof Node n) {
                if (n.isDirty()) {
                    throw new IllegalStateException("checkpoint " + durable.generation() + " did not write " + n
                            + ", dropped from its tree at version " + tag);
                }
                space.release(n.pageId(), tag);
            } else {
                OverflowRef chain = ((LargeValue) dropped[0]).chain();
                if (chain == null) {
                    throw new IllegalStateException("checkpoint " + durable.generation() + " did not write the value "
                            + dropped[0] + ", dropped from its tree at version " + tag);
                }
                space.releaseChain(chain, tag);
            }
        }
        frozenLogBytes = 0;
        checkpointBackoffNanos = 0;
    }

    /**
     * The checkpoint was undone (no space; {@code undone} null if it failed otherwise: the store is failed then):
     * nothing on disk changed, the frozen tree is dirty again. Writer lock held.
     */
    private void undo(Checkpointer.Undone undone) {
        space.rollback();
        writer.thaw(false);
        logBytesSinceCheckpoint += frozenLogBytes;
        frozenLogBytes = 0;
        if (undone != null) {
            checkpointBackoffNanos = Math.min(MAX_BACKOFF, Math.max(MIN_BACKOFF, 2 * checkpointBackoffNanos));
            checkpointRetryAt = System.nanoTime() + checkpointBackoffNanos;
            LOG.warn("{}; retrying in {} ms (the log holds every write since the last checkpoint): {}",
                    undone.getMessage(), checkpointBackoffNanos / 1_000_000, String.valueOf(undone.getCause()));
        }
    }

    /** Waits until no checkpoint is in flight. Writer lock held (released while waiting). */
    private void awaitCheckpoint() {
        while (checkpointThread != null) {
            checkpointEnded.awaitUninterruptibly();
        }
    }

    /**
     * Runs a checkpoint now, on this thread, after the one in flight if any. Writer lock held.
     *
     * @return null if it completed, or why it was undone (no space): nothing changed, and the next attempt waits
     *         for a back-off (10 ms, doubling up to 1 s)
     * @throws StoreException after a failure it could not undo (a failed force): the store is failed then
     */
    private Checkpointer.Undone checkpoint() {
        awaitCheckpoint();
        if (state.failure() != null) {
            throw new StoreException("the store in " + dir + " failed in a checkpoint", state.failure());
        }
        Frozen f = freeze();
        Checkpointer.Written written;
        try {
            written = checkpointer.write(f.root(), f.lsn(), f.keyCount(), f.durable(), f.droppedChains());
        } catch (Checkpointer.Undone e) {
            undo(e);
            return e;
        } catch (IOException | RuntimeException | Error e) {
            StoreException failure = state.fail("checkpoint", e);
            if (e instanceof Error error) {
                throw error;
            }
            throw failure;
        }
        publish(written);
        checkpointer.truncate(written);
        return null;
    }

    /**
     * Runs a checkpoint now (tests, tools), whatever the back-off.
     *
     * @throws StoreException if it failed: undone (the store goes on) or not (the store is failed)
     */
    void checkpointNow() {
        writeLock.lock();
        try {
            state.checkWritable();
            Checkpointer.Undone undone = checkpoint();
            if (undone != null) {
                throw new StoreException(undone.getMessage() + "; the store goes on and retries", undone);
            }
        } finally {
            writeLock.unlock();
        }
    }

    // ---- verify, close -----------------------------------------------------------------------------------------

    /**
     * Checks the whole structure: the durable tree on disk page by page (checksums, key order within and across
     * nodes, child ranges, equal leaf depth, overflow chains, key count), the free list against the reachable pages
     * (every page either reachable, free or a header slot, never two of them), and the in-memory tree's order.
     *
     * @throws io.durakv.api.CorruptionException naming file and offset for damage on disk
     * @throws StoreException      for an inconsistency in memory
     */
    public void verify() {
        writeLock.lock();
        try {
            state.checkOpen();
            awaitCheckpoint();
            state.checkOpen();
            new Verifier(file, pool, limits.maxKeyBytes()).verify(durable, space, current.root(), keyCount);
        } catch (IOException e) {
            throw new StoreException("verify of " + dir + " failed to read", e);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            if (state.isClosed()) {
                return;
            }
            state.close(); // writers still waiting for their turn fail; their records stay in the log
            awaitCheckpoint();
            RuntimeException error = null;
            if (state.failure() == null) {
                try {
                    // Undone (no space): every write is in the log, forced by the checkpoint's first step, and the
                    // next open replays it; the store closes normally.
                    checkpoint();
                } catch (RuntimeException e) {
                    error = e;
                }
            } else {
                error = new StoreException("the store in " + dir + " failed earlier; closed without a checkpoint",
                        state.failure());
            }
            error = Closeables.close(wal, error);
            error = Closeables.close(file, error);
            error = Closeables.close(lock, error);
            pool.clear();
            if (error != null) {
                throw error instanceof StoreException se ? se : new StoreException("close of " + dir + " failed", error);
            }
        } finally {
            writeLock.unlock();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** @return the maximum key length of this store (it depends on the page size) */
    public int maxKeyBytes() {
        return limits.maxKeyBytes();
    }

    @Override
    public String toString() {
        return "BTreeStore[" + dir + "]";
    }
}
