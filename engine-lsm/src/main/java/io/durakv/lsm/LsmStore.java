package io.durakv.lsm;

import io.durakv.api.CorruptionException;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreException;
import io.durakv.api.StoreLockedException;
import io.durakv.api.StoreOptions;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskLock;
import io.durakv.wal.ApplyOrder;
import io.durakv.wal.BatchRecord;
import io.durakv.wal.StoreState;
import io.durakv.wal.WalOptions;
import io.durakv.wal.WriteAheadLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The LSM store: a memtable in front of leveled SSTables, the shared write-ahead log in {@code wal/}, a manifest
 * ({@link Manifest}) naming the live SSTables. Open it through {@code KeyValueStores.open("lsm", dir, options)}; this
 * class adds {@link #verify()}, the structural check. Layout and protocols: docs/formats/lsm.md.
 *
 * <p><b>Writes</b>: each call becomes one {@link BatchRecord} in the log, appended (and forced as the sync mode says)
 * without a store lock, so concurrent writers share forces; then applied to the memtable under the writer lock
 * strictly in LSN order. The LSN is the sequence number of every operation of the record. A memtable that reached
 * {@code lsm.memtableBytes} becomes immutable and a new one takes writes; {@link Maintenance} flushes immutable
 * memtables to L0 in the background and compacts levels. When {@code lsm.maxImmutableMemtables} wait for flush, writes
 * stall until one is flushed, so memory stays bounded.
 *
 * <p><b>Reads</b> take a {@link View} (memtables and SSTable version) and the last applied sequence number together,
 * and read memtable, immutable memtables newest first, L0 newest first, then each level by binary search over file
 * ranges (bloom filter before any block). A scan holds its view, and so its files, until it is closed.
 *
 * <p><b>Failures</b>: a failed force, or a failure that makes the log or the manifest fail-stop, turns the store
 * read-only (fail-stop) until it is reopened. A failed write (no space) fails only the call that hit it, and flushes
 * and compactions back off and retry ({@link Maintenance}); the store works again once space is back.
 *
 * <p>Thread-safe.
 */
public final class LsmStore implements KeyValueStore {

    private static final Logger LOG = LoggerFactory.getLogger(LsmStore.class);
    /** A stalled writer re-checks whether background work began failing this often. */
    private static final long STALL_POLL_NANOS = 100_000_000;

    final Path dir;
    final Disk disk;
    final LsmConfig config;
    private final DiskLock lock;
    final Manifest manifest;
    final VersionSet versions;
    final BlockCache blockCache;
    final TableCache tableCache;
    final Stats stats = new Stats();
    WriteAheadLog wal;
    private int maxRecordBytes;

    /** Serializes applying writes and memtable rotation; its conditions wake writers. */
    final ReentrantLock writeLock = new ReentrantLock();
    /** Signalled when a flush removed an immutable memtable: a stalled writer may rotate. */
    final Condition room = writeLock.newCondition();
    final StoreState state;
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Set before the table cache closes: obsolete tables released later are left for the next open. */
    private volatile boolean filesClosed;
    private Maintenance maintenance;

    /** Swapped under the monitor of {@link #versions}. */
    private volatile View view;
    /** LSN of the last record applied and visible to reads. Written under the writer lock. */
    private volatile long visibleSequence;
    /** Guarded by writeLock. */
    private long appliedLsn;
    /** Applies logged records in LSN order; created once recovery knows the last LSN applied. */
    private ApplyOrder order;

    private LsmStore(Path dir, Disk disk, LsmConfig config, DiskLock lock, Manifest manifest) {
        this.dir = dir;
        this.disk = disk;
        this.config = config;
        this.lock = lock;
        this.manifest = manifest;
        this.versions = new VersionSet(manifest.recovered(), this::deleteObsolete);
        this.blockCache = new BlockCache(config.blockCacheBytes());
        this.tableCache = new TableCache(disk, config.maxOpenFiles(), blockCache, config.mappedReads());
        this.state = new StoreState(dir, writeLock, room);
        this.view = new View(new Memtable(config.memtableBytes()), List.of(), versions.current());
    }

    /**
     * Opens (creating if needed) the store in {@code dir}: takes the directory lock, reads the manifest, deletes files
     * it does not name, replays the log records after the covered LSN into memtables and flushes all but the last.
     *
     * @throws IllegalArgumentException          for an unknown property or a bad value
     * @throws StoreLockedException              if the directory is open elsewhere; nothing was changed
     * @throws io.durakv.api.CorruptionException if durable data is damaged
     */
    public static LsmStore open(Path dir, StoreOptions options) {
        return open(dir, options, true);
    }

    /**
     * As {@link #open(Path, StoreOptions)}; with {@code background} false, flushes and compactions run on the writing
     * thread right when they become due (deterministic, for reproducible crash tests).
     */
    static LsmStore open(Path dir, StoreOptions options, boolean background) {
        LsmConfig config = LsmConfig.from(options);
        Disk disk = options.disk();
        DiskLock lock = DiskLock.lockStore(disk, dir, LsmFormat.LOCK_FILE);
        Manifest manifest = null;
        LsmStore store = null;
        try {
            manifest = Manifest.open(disk, dir);
            store = new LsmStore(dir, disk, config, lock, manifest);
            store.recover(options, background);
            return store;
        } catch (IOException | RuntimeException | Error e) {
            if (store != null) {
                store.abandon(e);
            } else {
                closeAfterFailure(manifest, e);
                closeAfterFailure(lock, e);
            }
            if (e instanceof Error err) {
                throw err;
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new StoreException("cannot open the store in " + dir + ": " + e, e);
        }
    }

    private void recover(StoreOptions options, boolean background) throws IOException {
        deleteOrphans();
        Version v = versions.current();
        for (FileMeta f : v.allFiles()) {
            Path p = LsmFormat.sstPath(dir, f.number);
            if (!disk.exists(p)) {
                throw new CorruptionException(p, 0, "SSTable #" + f.number + " named by the manifest is missing");
            }
        }
        wal = WriteAheadLog.open(dir.resolve(LsmFormat.WAL_DIR), WalOptions.builder()
                .syncMode(options.syncMode())
                .batchInterval(options.batchInterval())
                .segmentBytes(config.walSegmentBytes())
                .mappedWrites(config.walMappedWrites())
                .disk(disk)
                .build());
        maxRecordBytes = (int) Math.min(LsmFormat.MAX_RECORD_BYTES, wal.maxRecordBytes());
        long covered = versions.coveredLsn();
        Path walDir = dir.resolve(LsmFormat.WAL_DIR);
        if (wal.lastLsn() < covered) {
            throw new CorruptionException(walDir, 0, "the log ends at LSN " + wal.lastLsn()
                    + " but the manifest says SSTables cover records up to " + covered);
        }
        if (wal.firstLsn() > covered + 1) {
            throw new CorruptionException(walDir, 0, "the log starts at LSN " + wal.firstLsn()
                    + " but records after " + covered + " are not in any SSTable");
        }
        long closedAt = manifest.recovered().logEndAtClose();
        if (wal.lastLsn() < closedAt) {
            throw lostForcedTail(walDir, closedAt);
        }
        maintenance = new Maintenance(this, background);
        appliedLsn = covered;
        visibleSequence = covered;
        long[] replayed = {0};
        wal.replay(covered + 1, (lsn, record) -> {
            List<WriteBatch.Op> ops;
            try {
                ops = BatchRecord.decode(record);
            } catch (IllegalArgumentException e) {
                throw new CorruptionException(walDir, lsn, "log record " + lsn + " is not a batch record: "
                        + e.getMessage() + " (the offset is the record's LSN)", e);
            }
            if (view.mem().bytes() >= config.memtableBytes()) {
                rotate();
            }
            view.mem().apply(ops, lsn);
            appliedLsn = lsn;
            visibleSequence = lsn;
            replayed[0]++;
        });
        // Recovery flushes what it could not hold (crash points inside recovery fall into this flush too).
        maintenance.flushAllImmutables();
        order = new ApplyOrder(writeLock, state::checkWritable, appliedLsn);
        state.wakeOnChange(order::wakeAll);
        LOG.debug("opened {}: manifest generation {}, covered LSN {}, replayed {} log records, {}", dir,
                manifest.generation(), covered, replayed[0], versions.current());
        maintenance.start();
    }

    /** Deletes SSTables the manifest does not name: outputs of a flush or compaction that crashed before its edit. */
    private void deleteOrphans() throws IOException {
        Set<Long> live = new HashSet<>();
        for (FileMeta f : versions.current().allFiles()) {
            live.add(f.number);
        }
        boolean deleted = false;
        for (String name : disk.list(dir)) {
            long n = LsmFormat.sstNumber(name);
            if (n >= 0 && !live.contains(n)) {
                LOG.info("deleting {} of {}: no durable manifest edit names it", name, dir);
                disk.delete(dir.resolve(name));
                deleted = true;
            }
        }
        if (deleted) {
            disk.forceDirectory(dir); // the deletions durable before new files may reuse these numbers
        }
    }

    // ---- reads -------------------------------------------------------------------------------------------------

    /** A view with a reference on its version, and the sequence number it reads at. */
    record Snapshot(View view, long sequence) {
    }

    /** @return the current view and sequence number, its version referenced: {@link #release} it */
    Snapshot acquire() {
        synchronized (versions) {
            View v = view;
            versions.ref(v.version());
            return new Snapshot(v, visibleSequence);
        }
    }

    void release(Snapshot s) {
        versions.release(s.view().version());
    }

    @Override
    public byte[] get(byte[] key) {
        checkKey(key);
        state.checkOpen();
        Snapshot s = acquire();
        try {
            View v = s.view();
            long hash = BloomHash.xxh64(key); // once for every memtable's and table's filter
            Memtable.Hit hit = v.mem().get(key, hash, s.sequence());
            for (int i = 0; hit == null && i < v.immutables().size(); i++) {
                hit = v.immutables().get(i).get(key, hash, s.sequence());
            }
            if (hit != null) {
                return hit.kind() == EntryKind.PUT ? hit.value() : null; // a memtable hit is a fresh copy too
            }
            SstEntry e = getFromTables(v.version(), key, hash, s.sequence());
            // A table entry's value is already a fresh copy out of its block: no second copy.
            return e == null || e.kind() == EntryKind.DELETE ? null : e.value();
        } catch (IOException e) {
            throw new StoreException("reading key of " + key.length + " bytes from " + dir + " failed: " + e, e);
        } finally {
            release(s);
        }
    }

    private SstEntry getFromTables(Version v, byte[] key, long hash, long sequence) throws IOException {
        for (FileMeta f : v.files(0)) {
            if (f.contains(key)) {
                SstEntry e = getFromTable(f, key, hash, sequence);
                if (e != null) {
                    return e;
                }
            }
        }
        for (int level = 1; level < LsmFormat.LEVELS; level++) {
            FileMeta f = v.fileFor(level, key);
            if (f != null) {
                SstEntry e = getFromTable(f, key, hash, sequence);
                if (e != null) {
                    return e;
                }
            }
        }
        return null;
    }

    private SstEntry getFromTable(FileMeta f, byte[] key, long hash, long sequence) throws IOException {
        try (TableCache.Handle h = tableCache.acquire(f.number, f.path(dir))) {
            return h.reader().get(key, hash, sequence);
        }
    }

    @Override
    public KeyValueIterator scan(byte[] fromInclusive, byte[] toExclusive) {
        state.checkOpen();
        Snapshot s = acquire();
        try {
            return new LsmIterator(this, s, fromInclusive, toExclusive);
        } catch (RuntimeException e) {
            release(s);
            throw e;
        }
    }

    /** @return sources for a merging iterator over a snapshot: memtables, L0 files newest first, deeper levels */
    List<InternalIterator> sources(View v) {
        List<InternalIterator> sources = new ArrayList<>();
        try {
            sources.add(v.mem().iterator());
            for (Memtable m : v.immutables()) {
                sources.add(m.iterator());
            }
            for (FileMeta f : v.version().files(0)) {
                sources.add(TableIterator.open(tableCache, dir, f));
            }
            for (int level = 1; level < LsmFormat.LEVELS; level++) {
                if (!v.version().files(level).isEmpty()) {
                    sources.add(TableIterator.level(tableCache, dir, v.version().files(level)));
                }
            }
            return sources;
        } catch (RuntimeException e) {
            sources.forEach(InternalIterator::close);
            throw e;
        }
    }

    boolean isClosed() {
        return state.isClosed();
    }

    // ---- writes ------------------------------------------------------------------------------------------------

    @Override
    public void put(byte[] key, byte[] value) {
        checkKey(key);
        checkValue(key, value);
        write(List.of(new WriteBatch.Op(key.clone(), value.clone())));
    }

    @Override
    public void delete(byte[] key) {
        checkKey(key);
        write(List.of(new WriteBatch.Op(key.clone(), null)));
    }

    @Override
    public void write(WriteBatch batch) {
        if (batch == null) {
            throw new IllegalArgumentException("batch is null");
        }
        List<WriteBatch.Op> ops = List.copyOf(batch.ops());
        for (WriteBatch.Op op : ops) {
            checkKey(op.key());
            if (!op.isDelete()) {
                checkValue(op.key(), op.value());
            }
        }
        if (ops.isEmpty()) {
            state.checkOpen();
            return;
        }
        write(ops);
    }

    /**
     * Logs {@code ops} as one record (outside the writer lock: group commit), then applies it to the memtable under
     * the lock strictly in LSN order. A failed append fails the store only if it made the log fail-stop; a failed
     * write (no space) left nothing in the log and handed its LSN out again, so only this call fails.
     */
    private void write(List<WriteBatch.Op> ops) {
        long size = BatchRecord.size(ops);
        if (size > maxRecordBytes) {
            throw new IllegalArgumentException((ops.size() == 1 ? "write" : "batch of " + ops.size() + " operations")
                    + " encodes to a log record of " + size + " bytes; the maximum is " + maxRecordBytes
                    + " (64 MiB, and at most what one segment of wal.segmentBytes holds)");
        }
        byte[] record = BatchRecord.encode(ops);
        state.checkWritable();
        awaitRoom();
        long lsn;
        try {
            lsn = wal.append(record);
        } catch (RuntimeException | Error e) {
            if (state.isClosed()) {
                throw state.closedException();
            }
            if (e instanceof Error error) {
                state.fail("log append", e);
                throw error;
            }
            if (wal.isFailed()) {
                // The fate of records in flight is unknown and writers after them would wait for them: fail-stop.
                throw state.fail("log append", e);
            }
            throw e instanceof StoreException se ? se
                    : new StoreException("log append in " + dir + " failed; the write was not applied: " + e, e);
        }
        try {
            order.apply(lsn, () -> applyInOrder(ops, lsn));
        } catch (IllegalStateException e) {
            throw state.fail("applying log record " + lsn, e);
        }
    }

    /** Applies one logged record, its turn come (writer lock held, by this writer or one applying records before). */
    private void applyInOrder(List<WriteBatch.Op> ops, long lsn) {
        state.checkWritable();
        boolean rotated = rotateIfFull();
        try {
            view.mem().apply(ops, lsn);
        } catch (RuntimeException | Error e) {
            StoreException f = state.fail("applying log record " + lsn, e);
            if (e instanceof Error error) {
                throw error;
            }
            throw f;
        }
        appliedLsn = lsn;
        visibleSequence = lsn;
        if (rotated) {
            // Inline mode runs the flush here; its failure never fails this write, which is logged and applied.
            maintenance.due();
        }
    }

    /**
     * Before a write is logged: while the memtable is full and {@code lsm.maxImmutableMemtables} wait for flush,
     * waits (writer lock released meanwhile) so that memory stays bounded (a <i>stall</i>). While the background work
     * that would make room is failing (no space), throws {@link StoreException} once it has been failing for
     * {@code lsm.failingStallMillis}: nothing of the write was logged. Inline (no background thread), runs the due
     * work itself and throws at once if that leaves no room.
     */
    private void awaitRoom() {
        if (!noRoom()) {
            return;
        }
        writeLock.lock();
        try {
            boolean stalled = false;
            while (noRoom()) {
                state.checkWritable();
                if (!maintenance.isBackground()) {
                    maintenance.runDue();
                    state.checkWritable();
                    StoreException failing = maintenance.retrying();
                    if (noRoom()) {
                        throw new StoreException("write not logged: the memtables of " + dir + " are full and"
                                + " their flush " + (failing == null ? "made no room" : "failed: "
                                + failing.getMessage()), failing);
                    }
                    break;
                }
                if (!stalled) {
                    stats.stalls.incrementAndGet();
                    stalled = true;
                }
                StoreException failing = maintenance.retrying();
                if (failing == null) {
                    room.awaitNanos(STALL_POLL_NANOS);
                    continue;
                }
                // The bound runs from the first failure, so once it is past every write that needs room fails at once.
                long left = maintenance.failingSince() + config.failingStallMillis() * 1_000_000 - System.nanoTime();
                if (left <= 0) {
                    throw new StoreException("write not logged: the memtables of " + dir + " are full and their"
                            + " flush or compaction has been failing for over " + config.failingStallMillis()
                            + " ms (lsm.failingStallMillis): " + failing.getMessage(), failing);
                }
                room.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while the write stalled for room in the memtables of " + dir, e);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * After this write's record was logged, in LSN order (writer lock held): rotates a full memtable, first waiting
     * (lock released meanwhile) while {@code lsm.maxImmutableMemtables} wait for flush. {@link #awaitRoom} did the
     * waiting that may fail before the append, so this wait is short; it cannot throw (the record is logged and later
     * records wait for it), so while background work is failing it rotates over the bound instead: by at most one
     * memtable per writer that passed {@code awaitRoom} at the same time.
     *
     * @return whether the memtable was rotated (work is due)
     */
    private boolean rotateIfFull() {
        if (view.mem().bytes() < config.memtableBytes()) {
            return false;
        }
        boolean stalled = false;
        while (view.immutables().size() >= config.maxImmutables() && maintenance.retrying() == null) {
            state.checkWritable();
            if (!maintenance.isBackground()) {
                maintenance.runDue(); // inline: all due work, once
                break;
            }
            if (!stalled) {
                stats.stalls.incrementAndGet();
                stalled = true;
            }
            try {
                room.awaitNanos(STALL_POLL_NANOS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the record is logged: apply it, the caller sees the flag
                break;
            }
        }
        state.checkWritable();
        rotate();
        return true;
    }

    /** @return whether the memtable is full and no more immutable memtables may wait for flush */
    private boolean noRoom() {
        View v = view;
        return v.mem().bytes() >= config.memtableBytes() && v.immutables().size() >= config.maxImmutables();
    }

    /** Wakes stalled writers: room was made, or the background work started or stopped failing. */
    void stallsMayEnd() {
        writeLock.lock();
        try {
            room.signalAll();
        } finally {
            writeLock.unlock();
        }
    }

    /** Makes the memtable immutable and starts a new one. Between two records (writer lock held, or recovery). */
    private void rotate() {
        synchronized (versions) {
            view = view.rotate(new Memtable(config.memtableBytes()));
        }
    }

    /** @return the current view (maintenance reads it; it changes only under the monitor of {@link #versions}) */
    View view() {
        return view;
    }

    /**
     * Installs a flush or compaction result: the new version, and the view without the flushed memtables (the oldest
     * immutable ones, newest first; null for a compaction).
     */
    void install(Version next, VersionEdit edit, List<Memtable> flushed) {
        versions.install(next, edit, () -> view = flushed == null ? view.withVersion(next)
                : view.flushed(flushed, next));
    }

    @Override
    public void sync() {
        state.checkWritable();
        try {
            wal.sync();
        } catch (RuntimeException e) {
            if (wal.isFailed() || !(e instanceof StoreException se)) {
                throw state.fail("log sync", e);
            }
            throw se; // a failed write of buffered records (no space): the log goes on, so does the store
        }
    }

    // ---- files -------------------------------------------------------------------------------------------------

    /**
     * Deletes SSTables no version lists any more. Their removal from the manifest is durable already (a version
     * stops being current only after its successor's edit was forced); the deletion itself need not be forced, as
     * open deletes every file the manifest does not name.
     */
    private void deleteObsolete(List<FileMeta> files) {
        for (FileMeta f : files) {
            if (filesClosed) {
                return; // the next open removes them
            }
            Path p = LsmFormat.sstPath(dir, f.number);
            try {
                tableCache.evict(f.number);
                blockCache.evictFile(f.number);
                disk.deleteIfExists(p);
                stats.filesDeleted.incrementAndGet();
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not delete obsolete {}; the next open will: {}", p, e.toString());
            }
        }
    }

    // ---- verify, close -----------------------------------------------------------------------------------------

    /**
     * Checks the whole structure: every live SSTable readable end to end (checksums), its entries in strict
     * internal-key order and matching the manifest's key range, sequence range and entry count; levels from L1 down
     * sorted and non-overlapping; no table above the covered LSN; memtables in order.
     *
     * @throws io.durakv.api.CorruptionException for damage on disk
     * @throws StoreException                    for an inconsistency
     */
    public void verify() {
        state.checkOpen();
        Snapshot s = acquire();
        try {
            new Verifier(this).verify(s.view(), versions.coveredLsn());
        } finally {
            release(s);
        }
    }

    /** @return counters of structural work done since open (tests and tools) */
    Stats stats() {
        return stats;
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        state.close(); // waiting writers fail; their records stay in the log
        RuntimeException error = null;
        if (maintenance != null) {
            error = closeResource(maintenance::stop, error);
            if (error == null && state.failure() == null) {
                error = closeResource(this::flushAtClose, null);
            }
        }
        if (state.failure() != null) {
            error = new StoreException("the store in " + dir + " failed earlier; closed without flushing",
                    state.failure());
        }
        // Read before the close forces the log (a writer still appending only makes it conservative).
        long logEnd = error == null && wal != null ? wal.lastLsn() : -1;
        error = closeResource(wal, error); // forces every record: each acknowledged write is durable
        if (error == null && logEnd >= 0 && manifest != null) {
            // Where the forced log ended: a log found shorter at open lost forced records (lsm.md, "Recovery").
            error = closeResource(() -> manifest.append(new VersionEdit().logEnd(logEnd)), null);
        }
        error = closeResource(manifest, error);
        filesClosed = true;
        error = closeResource(tableCache, error);
        error = closeResource(lock, error);
        if (error != null) {
            throw error instanceof StoreException se ? se : new StoreException("close of " + dir + " failed", error);
        }
    }

    /**
     * At close (no write is applied any more): if the memtables hold {@code lsm.closeFlushBytes} or more, makes the
     * active one immutable and flushes them all (lsm.md, "Close"), so that the next open replays at most about that
     * much of the log instead of up to {@code (1 + lsm.maxImmutableMemtables) x lsm.memtableBytes}.
     */
    private void flushAtClose() {
        writeLock.lock();
        try {
            View v = view;
            long bytes = v.mem().bytes();
            for (Memtable m : v.immutables()) {
                bytes += m.bytes();
            }
            if (bytes == 0 || bytes < config.closeFlushBytes()) {
                return;
            }
            if (!v.mem().isEmpty()) {
                rotate();
            }
        } finally {
            writeLock.unlock();
        }
        maintenance.flushAtClose();
    }

    /**
     * The manifest records the log's last LSN at each clean close, after the log's final force: a log ending below
     * it lost forced records (damage the log's own recovery takes for an unforced tail, wal.md "Limit").
     *
     * @return the exception naming the last segment and the offset of its last valid record
     */
    private CorruptionException lostForcedTail(Path walDir, long closedAt) {
        long[] starts = wal.segmentStarts();
        long segment = starts[starts.length - 1];
        long[] offset = {0};
        if (wal.lastLsn() >= segment) {
            wal.replayWithPositions(wal.lastLsn(), (position, record) -> offset[0] = position.offset());
        }
        return new CorruptionException(walDir.resolve(LsmFormat.walSegmentName(segment)), offset[0],
                "the log ends at LSN " + wal.lastLsn() + " (its last record at this offset) but the store was closed"
                        + " cleanly with every record up to LSN " + closedAt + " forced (manifest): forced records"
                        + " are missing");
    }

    /** Releases everything after a failed open. */
    private void abandon(Throwable failure) {
        closing.set(true);
        state.close();
        if (maintenance != null) {
            closeAfterFailure(maintenance::stop, failure);
        }
        closeAfterFailure(wal, failure);
        closeAfterFailure(manifest, failure);
        filesClosed = true;
        closeAfterFailure(tableCache, failure);
        closeAfterFailure(lock, failure);
    }

    private static RuntimeException closeResource(AutoCloseable c, RuntimeException pending) {
        if (c == null) {
            return pending;
        }
        try {
            c.close();
        } catch (Exception e) {
            if (pending == null) {
                return e instanceof RuntimeException re ? re : new StoreException("close of " + c + " failed", e);
            }
            pending.addSuppressed(e);
        }
        return pending;
    }

    private static void closeAfterFailure(AutoCloseable c, Throwable failure) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    // ---- limits ------------------------------------------------------------------------------------------------

    private static void checkKey(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("key is null");
        }
        if (key.length > LsmFormat.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key of " + key.length + " bytes exceeds the maximum of "
                    + LsmFormat.MAX_KEY_BYTES + " bytes");
        }
    }

    private static void checkValue(byte[] key, byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("value is null (key of " + key.length + " bytes)");
        }
        if (value.length > LsmFormat.MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("value of " + value.length + " bytes exceeds the maximum of "
                    + LsmFormat.MAX_VALUE_BYTES + " bytes");
        }
    }

    @Override
    public String toString() {
        return "LsmStore[" + dir + "]";
    }
}
