package io.durakv.bitcask;

import io.durakv.api.CorruptionException;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import io.durakv.api.StoreLockedException;
import io.durakv.api.StoreOptions;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskLock;
import io.durakv.wal.ApplyOrder;
import io.durakv.wal.BatchRecord;
import io.durakv.wal.WalOptions;
import io.durakv.wal.WalPosition;
import io.durakv.wal.WriteAheadLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;

/**
 * The Bitcask store (docs/formats/bitcask.md): the live data files are the segments of one write-ahead log in
 * {@code data/}; an in-memory {@link KeyDir} maps every live key to the record holding its latest value; merged data
 * and hint files of the current merge generation sit beside the log, named by the manifest {@code MERGE}.
 *
 * <p><b>Writes</b>: each {@code put}, {@code delete} or {@code write(batch)} is one batch record, appended to the log
 * (forced as the sync mode says, with group commit) without a store lock; then applied to the key directory strictly
 * in LSN order under the apply lock, each writer waiting for the records before its own. The LSN is the sequence
 * number of every operation in the record.
 *
 * <p><b>Reads</b>: a lookup takes the key directory's read lock only for the lookup, then reads the record from its
 * file; a scan copies the keys in its range with their locations under that read lock, sorts them, and reads values
 * as it goes. Both register with {@link Readers} so that a merge never deletes a file they may still read. Readers
 * never wait for a merge's I/O (at most for the re-pointing of one entry, under the write lock).
 *
 * <p><b>Structural work</b> ({@link Background}): the hint file of every sealed segment, and a merge
 * ({@link Merger}) when the dead fraction of the sealed files passes {@code bitcask.mergeDeadRatio}.
 *
 * <p><b>Failures</b>: a failed force (the log's or the engine's files'), a fail-stop log or a failed apply turns the
 * store read-only (fail-stop); reads go on; reopening recovers from what is on disk. A failed write, create, rename or
 * delete (a full disk) fails only the write whose append it hit; merges and hint files back off and retry
 * ({@link Background}, {@link #retryable}).
 *
 * <p>Thread-safe. Lock order: apply lock, then the key directory's lock.
 */
public final class BitcaskStore implements KeyValueStore {

    private static final Logger LOG = LoggerFactory.getLogger(BitcaskStore.class);

    final Path dir;
    /** The log's directory ({@link BitcaskFormat#DATA_DIR}), named in errors of records read from it. */
    final Path dataDir;
    final Disk disk;
    final BitcaskConfig config;
    private final DiskLock lock;
    final WriteAheadLog wal;

    /** Guards {@link #keys} and {@link #space}. */
    final ReentrantReadWriteLock keysLock = new ReentrantReadWriteLock();
    final KeyDir keys = new KeyDir();
    /**
     * Held (for writing) by every writer of {@link #keys} inside keysLock's write lock ({@link #lockKeysForWrite}), so
     * that a lookup can read the directory without any lock and validate afterwards that no writer ran meanwhile
     * ({@link #lookup}); readers never take it, so they neither contend with each other nor with the writer.
     */
    private final StampedLock keysWriting = new StampedLock();
    /** Guarded by keysLock's write lock. */
    private long keysWriteStamp;
    /**
     * Bumped (under the key directory's write lock) by a merge right before it points an entry at the record's copy
     * in its new file, i.e. before the old file can be deleted. A get that sees the same count before its lookup and
     * after registering with {@link #readers} knows that no merge moved a record in between, so the location it
     * looked up before registering is still protected by the registration ({@link #get}).
     */
    volatile long relocations;
    /**
     * Tests only: run by a get between its lookup and its registration with {@link #readers} (set before the reading
     * thread starts; null otherwise).
     */
    Runnable afterLookupForTest;
    /** Optimistic (lock-free) lookups tried before a lookup takes the read lock. */
    private static final int OPTIMISTIC_TRIES = 4;
    /** The whole directory sorted at one version, for scans ({@link ScanIterator}); written under keysLock's read lock. */
    volatile ScanIterator.Sorted scanCache;
    /** The directory version the last scan saw; -1 before any. */
    volatile long lastScanVersion = -1;
    final Space space = new Space();
    /** First LSN of every log segment holding a record the key directory may point at. */
    final SegmentStarts segments = new SegmentStarts();
    /** The current merge generation and the LSN it covers up to (exclusive); change only under the keys lock. */
    volatile long generation;
    volatile long mergedBefore = 1;

    /** Serializes applying records, merges' hand-over and close. */
    final ReentrantLock applyLock = new ReentrantLock();
    /** Applies logged records in LSN order; created once recovery knows the last LSN applied. */
    private ApplyOrder order;
    // Guarded by applyLock.
    long appliedLsn;
    /** Hint entries of the segment records are being applied to, written once it is sealed. */
    private HintFile.Entries activeHints;
    private long activeSegment;

    final Readers readers = new Readers();
    /** Open read handles of merged data files. */
    final MergedFiles merged;
    /** Values by key and LSN, filled by gets and short scans (values go in and come out as copies). */
    final ValueCache cache;
    final Background background;
    private final Merger merger;
    private final AtomicBoolean mergeQueued = new AtomicBoolean();
    /** Gets and scan entries served so far: a background merge gives way while it grows ({@link #mergeShouldYield}). */
    private final LongAdder reads = new LongAdder();
    /** How long after the last read seen a background merge still counts the store as serving reads. */
    static final long READS_QUIET_NANOS = 100_000_000L;
    /** Tests only: the clock of {@link #mergeShouldYield} (set before any merge can run; null: System.nanoTime). */
    volatile java.util.function.LongSupplier clockForTest;
    // Kept by the background thread only (mergeShouldYield).
    private long readsSeen;
    private long readSeenAt;
    private boolean readSeenOnce;
    private volatile boolean closed;
    private volatile StoreException failure;

    private BitcaskStore(Path dir, Disk disk, BitcaskConfig config, DiskLock lock, WriteAheadLog wal) {
        this.dir = dir;
        this.dataDir = dir.resolve(BitcaskFormat.DATA_DIR);
        // The engine's own files go through it: structural work tells a failed force (fatal) from a failed write.
        this.disk = new ForceTaggingDisk(disk);
        this.config = config;
        this.lock = lock;
        this.wal = wal;
        this.background = new Background(dir, config.backgroundMerge(), this::fail, this::retryable);
        this.merger = new Merger(this);
        this.cache = new ValueCache(config.cacheBytes());
        this.merged = new MergedFiles(this.disk, dir, config.walMappedReads());
    }

    /**
     * Opens (creating if needed) the store in {@code dir} and rebuilds its key directory from hint files and the log.
     *
     * @throws IllegalArgumentException for an unknown property or a bad value
     * @throws StoreLockedException     if the directory is open elsewhere; nothing was changed
     * @throws CorruptionException      if durable data is damaged
     */
    public static BitcaskStore open(Path dir, StoreOptions options) {
        return open(dir, options, BitcaskConfig.from(options));
    }

    /** As {@link #open(Path, StoreOptions)} with the properties already read (tests pass settings they cannot). */
    static BitcaskStore open(Path dir, StoreOptions options, BitcaskConfig config) {
        Disk disk = options.disk();
        DiskLock lock = DiskLock.lockStore(disk, dir, BitcaskFormat.LOCK_FILE);
        WriteAheadLog wal = null;
        BitcaskStore store = null;
        try {
            Manifest manifest = Recovery.prepare(disk, dir);
            wal = WriteAheadLog.open(dir.resolve(BitcaskFormat.DATA_DIR), WalOptions.builder()
                    .syncMode(options.syncMode())
                    .batchInterval(options.batchInterval())
                    .segmentBytes(config.fileBytes())
                    .mappedWrites(config.walMappedWrites())
                    .mappedReads(config.walMappedReads())
                    .disk(disk)
                    .build());
            store = new BitcaskStore(dir, disk, config, lock, wal);
            new Recovery(store, manifest).run();
            store.maybeMerge();
            store.background.drain();
            return store;
        } catch (IOException | RuntimeException e) {
            if (store != null) {
                store.background.stop();
            }
            closeAfterFailure(wal, e);
            closeAfterFailure(lock, e);
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new StoreException("cannot open the store in " + dir, e);
        }
    }

    // ---- reads -------------------------------------------------------------------------------------------------

    @Override
    public byte[] get(byte[] key) {
        Limits.checkKey(key);
        checkOpen();
        reads.increment();
        int hash = KeyDir.hash(key);
        // The cache's slot of the key first, the directory's LSN second: neither needs the other's result, so their
        // memory accesses (each a likely cache miss) overlap instead of following one another.
        int slot = cache.find(key, hash);
        long moved = relocations;
        long[] entry = lookup(key, hash);
        if (entry == null) {
            return null;
        }
        // A cached value is right for as long as the directory names that LSN; no file is read, so no registration.
        byte[] cached = cache.get(key, hash, entry[0], slot); // a copy
        if (cached != null) {
            return cached;
        }
        Runnable hook = afterLookupForTest;
        if (hook != null) {
            hook.run();
        }
        long epoch = readers.enter();
        try {
            if (relocations != moved) {
                // A merge moved records since the lookup and may delete their old files once it sees no reader older
                // than its switch; this registration may be too late to count, so look again under it. Otherwise
                // any move comes after the registration (volatile order), and the merge waits for this reader.
                entry = lookup(key, hash);
                if (entry == null) {
                    return null;
                }
            }
            byte[] value = RecordReader.value(this, key, entry[0], entry[1], (int) entry[3]);
            cache.put(key, hash, entry[0], value); // copies both
            return value;
        } finally {
            readers.exit(epoch);
        }
    }

    /** @return the LSN, location, hash and operation size of {@code key}'s entry, or null if it has none */
    private long[] lookup(byte[] key, int hash) {
        for (int tries = 0; tries < OPTIMISTIC_TRIES; tries++) {
            long stamp = keysWriting.tryOptimisticRead();
            if (stamp == 0) {
                Thread.onSpinWait(); // a writer holds it, for the few instructions of applying one record
                continue;
            }
            // No lock: the directory may change under this read, which then may see a torn state (and even fail);
            // the result counts only if no writer held keysWriting meanwhile. A concurrent writer's critical section
            // is short, so a failed validation is tried again a few times before waiting for the read lock.
            try {
                int e = keys.find(key, hash);
                long[] found = e < 0 ? null : new long[]{keys.lsn(e), keys.location(e), keys.hash(e), keys.opSize(e)};
                if (keysWriting.validate(stamp)) {
                    return found;
                }
            } catch (RuntimeException torn) {
                // Read again (last under the lock below: a real failure fails there too).
            }
        }
        keysLock.readLock().lock();
        try {
            int e = keys.find(key, hash);
            return e < 0 ? null : new long[]{keys.lsn(e), keys.location(e), keys.hash(e), keys.opSize(e)};
        } finally {
            keysLock.readLock().unlock();
        }
    }

    /** Takes keysLock's write lock, for changing {@link #keys} (see {@link #keysWriting}). */
    void lockKeysForWrite() {
        keysLock.writeLock().lock();
        keysWriteStamp = keysWriting.writeLock();
    }

    /** Releases what {@link #lockKeysForWrite} took. */
    void unlockKeysForWrite() {
        keysWriting.unlockWrite(keysWriteStamp);
        keysLock.writeLock().unlock();
    }

    @Override
    public KeyValueIterator scan(byte[] fromInclusive, byte[] toExclusive) {
        checkOpen();
        return ScanIterator.open(this, fromInclusive, toExclusive);
    }

    /**
     * Reads the value of {@code key} from the record at {@code location} with sequence number {@code lsn}. The caller
     * holds a {@link Readers} registration from before it read the location.
     *
     * @throws CorruptionException if the record is damaged or does not put that key
     */
    byte[] readValue(byte[] key, long lsn, long location) {
        return RecordReader.value(this, key, lsn, location);
    }

    /**
     * As {@link #readValue}, through the {@link ValueCache}: a cached value is returned (as a copy), and with
     * {@code fill} a value read from disk is cached (as a copy).
     */
    byte[] cachedValue(byte[] key, long lsn, long location, boolean fill) {
        int hash = KeyDir.hash(key);
        byte[] cached = cache.get(key, hash, lsn);
        if (cached != null) {
            return cached;
        }
        byte[] value = RecordReader.value(this, key, lsn, location);
        if (fill) {
            cache.put(key, hash, lsn, value);
        }
        return value;
    }

    // ---- writes ------------------------------------------------------------------------------------------------

    @Override
    public void put(byte[] key, byte[] value) {
        Limits.checkKey(key);
        Limits.checkValue(key, value);
        // The value is only encoded into the log record, before this returns, and never kept (writes do not fill the
        // cache), so it needs no copy; the key goes into the key directory after the append, so it is copied first.
        // The key directory's loads for this key start now and overlap the encoding and the append.
        keys.prefetch(KeyDir.hash(key));
        write(List.of(new WriteBatch.Op(key.clone(), value)));
    }

    @Override
    public void delete(byte[] key) {
        Limits.checkKey(key);
        keys.prefetch(KeyDir.hash(key));
        write(List.of(new WriteBatch.Op(key.clone(), null)));
    }

    @Override
    public void write(WriteBatch batch) {
        if (batch == null) {
            throw new IllegalArgumentException("batch is null");
        }
        List<WriteBatch.Op> ops = List.copyOf(batch.ops());
        for (WriteBatch.Op op : ops) {
            Limits.checkKey(op.key());
            if (!op.isDelete()) {
                Limits.checkValue(op.key(), op.value());
            }
        }
        if (ops.isEmpty()) {
            checkOpen();
            return;
        }
        write(ops);
    }

    /**
     * Logs {@code ops} as one record outside any store lock (so concurrent writers share the log's forces), then
     * applies it in LSN order under the apply lock ({@link ApplyOrder}), returning once its own record is applied.
     */
    private void write(List<WriteBatch.Op> ops) {
        Limits.checkRecord(ops, wal.maxRecordBytes(), config.fileBytes());
        byte[] record = BatchRecord.encode(ops);
        checkWritable();
        WalPosition position;
        try {
            position = wal.appendWithPosition(record);
        } catch (RuntimeException | Error e) {
            if (closed) {
                throw closedException();
            }
            if (e instanceof StoreException se && !wal.isFailed()) {
                // A failed write (e.g. a full disk): the record is not in the log and its LSN is handed out again,
                // so no writer waits for it; nothing was applied. The store stays writable.
                throw se;
            }
            // The log is fail-stop (a failed force), or the failure is not the log's to undo.
            StoreException f = fail("log append", e);
            if (e instanceof Error error) {
                throw error;
            }
            throw f;
        }
        try {
            order.apply(position.lsn(), () -> applyInOrder(position, ops));
        } catch (IllegalStateException e) {
            throw fail("applying log record " + position.lsn(), e);
        }
        background.drain();
    }

    /** Applies one logged record, its turn come (apply lock held, by this writer or one applying records before). */
    private void applyInOrder(WalPosition position, List<WriteBatch.Op> ops) {
        checkWritable();
        try {
            if (apply(position, ops)) {
                queueMerge();
            }
        } catch (RuntimeException | Error e) {
            StoreException f = fail("applying log record " + position.lsn(), e);
            if (e instanceof Error error) {
                throw error;
            }
            throw f;
        }
    }

    /**
     * Applies one log record to the key directory and the space accounting, collects its hint entries, and hands
     * the previous segment's hints to the background once a record lands in a new segment. Apply lock held (or
     * recovery, before the store is shared).
     */
    boolean apply(WalPosition position, List<WriteBatch.Op> ops) {
        if (position.segment() != activeSegment) {
            if (activeHints != null) {
                long sealed = activeSegment;
                HintFile.Entries entries = activeHints;
                background.submit(() -> merger.writeSegmentHint(sealed, entries));
            }
            activeSegment = position.segment();
            activeHints = new HintFile.Entries();
            segments.add(position.segment());
        }
        long location = BitcaskFormat.location(0, position.offset());
        boolean mergeDue;
        lockKeysForWrite();
        try {
            for (WriteBatch.Op op : ops) {
                applyOp(op.isDelete(), op.key(), position.lsn(), location, BitcaskFormat.opSize(op),
                        position.segment());
            }
            // Checked here, under the lock this write holds anyway, rather than under a read lock of its own.
            mergeDue = space.shouldMergeMemo(config.mergeDeadRatio());
        } finally {
            unlockKeysForWrite();
        }
        for (WriteBatch.Op op : ops) {
            activeHints.add(op.isDelete(), op.key(), position.lsn(), position.offset(), BitcaskFormat.opSize(op));
        }
        appliedLsn = position.lsn();
        return mergeDue;
    }

    /** Continues collecting hints for {@code segment} from a hint file covering its first records (recovery). */
    void resume(long segment, HintFile.Content hints) {
        activeSegment = segment;
        activeHints = new HintFile.Entries(hints);
    }

    /** Applies one operation found in file {@code file} (see {@link Space}). Key directory write lock held. */
    void applyOp(boolean delete, byte[] key, long lsn, long location, int opSize, long file) {
        int h = KeyDir.hash(key);
        int e = keys.findOrSlot(key, h); // one probe: an absent key's slot comes back for the insert
        if (e >= 0) {
            space.dead(fileOf(keys.lsn(e), keys.location(e)), keys.opSize(e));
        }
        space.added(file, opSize);
        if (delete) {
            space.dead(file, opSize);
            if (e >= 0) {
                keys.remove(e);
            }
        } else if (e >= 0) {
            keys.update(e, lsn, location, opSize);
        } else {
            keys.insertAt(-e - 1, key, h, lsn, location, opSize);
        }
    }

    /** @return the {@link Space} key of the file a record with this LSN and location is in */
    long fileOf(long lsn, long location) {
        long generation = BitcaskFormat.generation(location);
        if (generation > 0) {
            return Space.mergeFile(generation);
        }
        return Math.max(0, segments.floor(lsn));
    }

    Merger merger() {
        return merger;
    }

    /** Queues a merge if the sealed files' dead fraction passed the threshold and none is queued. */
    void maybeMerge() {
        boolean due;
        keysLock.readLock().lock();
        try {
            due = space.shouldMerge(config.mergeDeadRatio());
        } finally {
            keysLock.readLock().unlock();
        }
        if (due) {
            queueMerge();
        }
    }

    /** Queues a merge unless one is queued. */
    private void queueMerge() {
        if (!mergeQueued.get() && mergeQueued.compareAndSet(false, true)) { // a due merge may wait for long
            // Cleared once the merge is done: a merge that fails and waits for its retry is not queued twice.
            background.submit(() -> {
                merger.merge();
                mergeQueued.set(false);
            });
        }
    }

    /** Counts one read (a scan's entry) for {@link #mergeShouldYield}; gets count themselves. */
    void noteRead() {
        reads.increment();
    }

    /**
     * Whether a background merge should give way now (docs/formats/bitcask.md, "Merge", pacing): the store served a
     * get or a scan entry within the last {@link #READS_QUIET_NANOS}, and the sealed files' dead fraction has not reached the urgent
     * ratio {@link #urgentDeadRatio}. Reads then keep the CPU and the merge runs once they pause or once the dead bytes
     * grow that far. Called by the background thread only.
     */
    boolean mergeShouldYield() {
        java.util.function.LongSupplier clock = clockForTest;
        long now = clock == null ? System.nanoTime() : clock.getAsLong();
        long n = reads.sum();
        if (n != readsSeen) {
            readsSeen = n;
            readSeenAt = now;
            readSeenOnce = true;
        }
        if (!readSeenOnce || now - readSeenAt >= READS_QUIET_NANOS) {
            return false;
        }
        keysLock.readLock().lock();
        try {
            return !space.shouldMerge(urgentDeadRatio(config.mergeDeadRatio()));
        } finally {
            keysLock.readLock().unlock();
        }
    }

    /**
     * @return the dead fraction at which a merge no longer gives way to reads: halfway from {@code ratio} to 1 (0.75
     *         for the default 0.5: the sealed files at most 4x their live bytes instead of 2x)
     */
    static double urgentDeadRatio(double ratio) {
        return (1 + ratio) / 2;
    }

    @Override
    public void sync() {
        checkWritable();
        try {
            wal.sync();
        } catch (RuntimeException e) {
            if (closed) {
                throw closedException();
            }
            if (e instanceof StoreException se && !wal.isFailed()) {
                throw se; // a failed write of buffered records: they throw too, and the log goes on
            }
            throw fail("log sync", e);
        }
    }

    // ---- state -------------------------------------------------------------------------------------------------

    boolean isClosed() {
        return closed;
    }

    /** @return whether structural work should stop: the store is closed or failed */
    boolean stopping() {
        return closed || failure != null;
    }

    /**
     * @return whether structural work that failed with {@code e} may be retried: the failure is an I/O error that is
     *         not a failed force (ForceTaggingDisk), a simulated power loss or damage, and neither the store nor its
     *         log is closed or fail-stop. The work removed (or recovery ignores) whatever it had written.
     */
    boolean retryable(Throwable e) {
        if (closed || wal.isFailed() || ForceTaggingDisk.isForceFailure(e)) {
            return false;
        }
        boolean io = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.durakv.api.io.PowerLossException || t instanceof CorruptionException) {
                return false;
            }
            io |= t instanceof IOException;
        }
        return io;
    }

    /** Turns the store read-only (if it was not already), wakes waiting writers, and returns the failure to throw. */
    StoreException fail(String what, Throwable e) {
        StoreException f = e instanceof StoreException se ? se : new StoreException(what + " failed in " + dir, e);
        applyLock.lock();
        try {
            if (failure == null) {
                failure = f;
                LOG.error("{} failed in {}; the store is read-only until reopened: {}", what, dir, e.toString());
            }
            wakeWriters();
        } finally {
            applyLock.unlock();
        }
        return f;
    }

    /** Wakes writers waiting for their record's turn, to check for failure or close. */
    private void wakeWriters() {
        if (order != null) {
            order.wakeAll();
        }
    }

    /** Starts applying writes in LSN order after {@code appliedLsn} (end of recovery, before the store is shared). */
    void startApplying() {
        order = new ApplyOrder(applyLock, this::checkWritable, appliedLsn);
    }

    void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private void checkWritable() {
        checkOpen();
        StoreException f = failure;
        if (f != null) {
            throw new StoreException("the store in " + dir + " is read-only after a failure", f);
        }
    }

    private StoreClosedException closedException() {
        return new StoreClosedException("the store in " + dir + " is closed");
    }

    // ---- close -------------------------------------------------------------------------------------------------

    /** Runs a merge now on the calling thread if one is due or {@code force} (tests, tools). */
    void mergeNow() throws Exception {
        checkWritable();
        merger.merge();
    }

    /**
     * Checks every live key's record: it is read from its file (frame CRC32C and sequence number checked), decoded,
     * and must put that key; every location must name the current merge generation or a log segment it does not
     * cover. Waits for a running merge to finish first.
     *
     * @throws CorruptionException naming file and offset for damage on disk
     * @throws StoreException      for an inconsistency in memory
     */
    public void verify() {
        checkOpen();
        background.exclusive(() -> {
            long epoch = readers.enter();
            try {
                List<DirectoryWalk.Entry> chunk;
                for (int from = 0; (chunk = DirectoryWalk.chunk(this, from, Long.MAX_VALUE)) != null;
                     from += DirectoryWalk.CHUNK) {
                    for (DirectoryWalk.Entry e : chunk) {
                        long g = BitcaskFormat.generation(e.location());
                        if (g == 0 ? e.lsn() < mergedBefore : g != generation) {
                            throw new StoreException("key directory entry of LSN " + e.lsn() + " points at generation "
                                    + g + ", but the store is at generation " + generation + " covering LSNs before "
                                    + mergedBefore);
                        }
                        readValue(e.key(), e.lsn(), e.location());
                    }
                }
            } finally {
                readers.exit(epoch);
            }
        });
    }

    /** @return the number of live keys */
    int keyCount() {
        keysLock.readLock().lock();
        try {
            return keys.size();
        } finally {
            keysLock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        applyLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true; // writers still waiting for their turn fail; their records stay in the log
            wakeWriters();
        } finally {
            applyLock.unlock();
        }
        background.stop();
        merged.closeAll(); // the background is stopped: no merge opens or deletes a merged file any more
        RuntimeException error = null;
        try {
            wal.close();
            if (failure == null) {
                writeActiveHint();
            }
        } catch (RuntimeException e) {
            error = e;
        }
        try {
            lock.close();
        } catch (IOException | RuntimeException e) {
            if (error == null) {
                error = new StoreException("cannot release the lock of " + dir, e);
            } else {
                error.addSuppressed(e);
            }
        }
        if (error == null && failure != null) {
            error = new StoreException("the store in " + dir + " failed earlier; closed without its structural work",
                    failure);
        }
        if (error != null) {
            throw error instanceof StoreException se ? se : new StoreException("close of " + dir + " failed", error);
        }
    }

    /**
     * At a clean close, after the log's final force: writes the hints of the active segment's records so far, marked
     * as covering the LSNs before {@code appliedLsn + 1}, so that the next open replays only what comes after.
     */
    private void writeActiveHint() {
        if (activeHints == null || activeHints.count() == 0) {
            return;
        }
        try {
            merger.writeHint(BitcaskFormat.segmentHintName(activeSegment), BitcaskFormat.KIND_SEGMENT_HINT,
                    activeSegment, appliedLsn + 1, activeHints);
        } catch (IOException e) {
            if (!ForceTaggingDisk.isForceFailure(e) && !(e instanceof io.durakv.api.io.PowerLossException)) {
                // The log closed cleanly and the partial hint was removed (or is ignored): the next open replays the
                // active segment instead.
                LOG.warn("the hint file of segment {} in {} was not written at close; the next open replays the "
                        + "segment: {}", activeSegment, dir, e.toString());
                return;
            }
            throw new StoreException("cannot write the hint file of segment " + activeSegment + " in " + dir
                    + " at close", e);
        }
    }

    private static void closeAfterFailure(AutoCloseable c, Exception cause) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public String toString() {
        return "BitcaskStore[" + dir + "]";
    }
}
