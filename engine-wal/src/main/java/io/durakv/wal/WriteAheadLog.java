package io.durakv.wal;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.Disk;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The fsync-correct write-ahead log every DuraKV engine shares: records appended in one total order, each given a
 * sequence number (LSN: 1, 2, 3, … with no gaps, across segments, restarts and truncation), durable as the
 * {@link SyncMode} says, replayable after a crash. The format and protocols are specified in
 * {@code docs/formats/wal.md}; the promises in {@code docs/durability.md}.
 *
 * <ul>
 *   <li>{@link SyncMode#SYNC}: {@link #append} returns once its record is forced. Concurrent appenders share writes
 *       and forces (group commit), so N threads need far fewer than N forces.</li>
 *   <li>{@link SyncMode#BATCH}: {@link #append} returns once its record is written (handed to the OS); a background
 *       thread forces at least every {@link WalOptions#batchInterval()}, sooner past
 *       {@link WalOptions#maxUnforcedBytes()}.</li>
 *   <li>{@link SyncMode#NONE}: {@link #append} returns once its record is written and never waits for a force
 *       except at segment rotation; {@link #sync()} and {@link #close()} force. A background thread forces each
 *       eighth of a segment (at least 4 MiB) as it fills, so that rotation's force finds little left to write.</li>
 * </ul>
 * In every mode an acknowledged record has been handed to the OS, so a killed process loses nothing acknowledged.
 *
 * <p>A failed force is fail-stop: that call throws {@link StoreException} and every later append, sync and truncation
 * throws too ({@link #isFailed()}), because the fate of unforced data after a failed force is unknown and retrying
 * cannot fix it. Close the log and reopen it; recovery then decides from what is on disk. A failed write (a full
 * disk) is not: the appends it carried throw, their LSNs are handed out again, and later appends succeed once the
 * disk accepts writes (docs/formats/wal.md, "Failures: fail-stop or go on"). Recovery itself
 * throws {@link CorruptionException} (naming file and offset) when bytes that were forced are damaged, and cuts off
 * only an unforced torn tail, logging at WARN how many bytes it dropped.
 *
 * <p>One directory holds one log, and one open {@code WriteAheadLog} at a time: the log does not lock its directory
 * (the owning store does). Besides its segments {@code wal-<20 digits>.log}, the log keeps up to two files of
 * truncated segments, {@code wal-<20 digits>.recycle}, to reuse at rotation; other files in the directory are ignored.
 *
 * <p>Thread-safe: every method may be called from many threads at once.
 */
public final class WriteAheadLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);

    private final Path dir;
    private final Disk disk;
    private final int maxRecordBytes;
    /** First LSN to file of every kept segment, the active one last. Written by the I/O turn and by truncation. */
    private final ConcurrentSkipListMap<Long, Path> segments;
    /** Read handles for {@link #readAt}, by segment, opened on first use; closed by truncation and close. */
    private final java.util.concurrent.ConcurrentHashMap<Long, ReadHandle> readFiles =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A segment's read handle and the file size last seen through it: a point read trusts that size instead of asking
     * the file system per read, and asks again only when a frame seems to run past it (a segment that grows).
     */
    private static final class ReadHandle {
        final io.durakv.api.io.DiskFile file;
        /** A read mapping of the bytes the file had when opened ({@link WalOptions#mappedReads()}), or null. */
        final io.durakv.api.io.ReadMapping mapping;
        volatile long size;

        ReadHandle(io.durakv.api.io.DiskFile file, boolean map) throws IOException {
            this.file = file;
            this.size = file.size();
            this.mapping = map && size > 0 ? io.durakv.api.io.ReadMapping.mapOrReadThrough(file, 0, size) : null;
        }

        /**
         * Closes the mapping, then the file. Truncation and close hold segmentDeletion's write lock, so no reader is
         * inside; an interrupted reader dropping a handle does not, and a read racing it fails with
         * ClosedChannelException (the mapping guards every copy), as a read call on the closed file would.
         */
        void close() throws IOException {
            if (mapping != null) {
                mapping.close();
            }
            file.close();
        }
    }
    /** The highest written LSN {@link #readAt} has seen (it only grows); records up to it may be read. */
    private volatile long readableThrough;
    /** Set by {@link #close()} under segmentDeletion's write lock: reads fail as closed from then on. */
    private volatile boolean readsClosed;

    /** Files of truncated segments waiting to be reused by rotation. */
    private final SegmentPool pool;
    private final WalOptions options;
    /** A spare is made once 1 / this of the active segment is written ({@link #makeSpareIfDue}). */
    static final int SPARE_AT_FRACTION = 8;

    /** The active segment whose spare failed (set by the spare's thread): no second try before the next segment. */
    private volatile long spareFailedFor = -1;
    private final GroupCommitter committer;
    private final BatchFlusher flusher;
    /** Readers (replay, readAt) share it; truncation takes it exclusively, so no segment vanishes mid-read. */
    private final ReentrantReadWriteLock segmentDeletion = new ReentrantReadWriteLock();

    private WriteAheadLog(Path dir, WalOptions options, WalRecovery.Result recovered) {
        this.dir = dir;
        this.disk = options.disk();
        this.maxRecordBytes = WalFormat.maxPayload(options.segmentBytes());
        this.segments = recovered.segments();
        this.pool = recovered.pool();
        LogWriter writer = new LogWriter(disk, dir, options, segments, pool, recovered.active(), recovered.lastLsn());
        this.committer = new GroupCommitter(dir, options, writer, recovered.lastLsn());
        this.options = options;
        this.flusher = options.syncMode() != SyncMode.SYNC
                ? BatchFlusher.start(committer, dir, options, this::makeSpareIfDue) : null;
    }

    /**
     * The background thread of BATCH and NONE, after a force: once an eighth of the active segment is written
     * ({@link #SPARE_AT_FRACTION}; half left a mapped NONE log, which fills the second half in about 0.17 s, waiting
     * at rotation for a spare still being zero-filled) and the pool
     * holds no file, starts making a spare segment file (zero-filled and forced, {@link Segment#createSpare}) on a
     * thread of its own ({@link SegmentPool#startSpare}, so that this thread's forces go on meanwhile), so that the
     * coming rotation reuses it instead of zero-filling a whole new segment while an appender waits (on a fresh log
     * that stall was 0.2 s per 64 MiB segment). A failure (a full disk) only costs the spare: it is logged, and not
     * tried again before the next segment. SYNC has no background thread and keeps zero-filling at rotation.
     */
    private void makeSpareIfDue() {
        if (!options.preallocate() || pool.size() > 0 || pool.makingSpare()) {
            return;
        }
        long active = segments.isEmpty() ? 0 : segments.lastKey();
        if (active == spareFailedFor || committer.writtenOffset() * SPARE_AT_FRACTION < options.segmentBytes()) {
            return;
        }
        pool.startSpare(disk, dir, options, committer::isFailed, e -> {
            spareFailedFor = active;
            LOG.warn("making a spare segment file in {} failed; the next rotation zero-fills a new segment instead: {}",
                    dir, e.toString());
        });
    }

    /**
     * Opens the log in {@code dir}, creating the directory and an empty log if needed, and recovers it.
     *
     * @throws CorruptionException if forced data is damaged
     * @throws StoreException      if the log cannot be read or written, or has an unsupported format version
     */
    public static WriteAheadLog open(Path dir, WalOptions options) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        try {
            return new WriteAheadLog(dir, options, WalRecovery.recover(dir, options));
        } catch (IOException e) {
            throw new StoreException("cannot open the write-ahead log in " + dir + ": " + e, e);
        }
    }

    /**
     * Appends a record. On return it is written (handed to the OS) and, in {@link SyncMode#SYNC}, forced. The array
     * is not kept; the caller may reuse it once this returns.
     *
     * @return the record's LSN
     * @throws IllegalArgumentException if {@code record} is null or longer than {@link #maxRecordBytes()}; nothing
     *                                  is written then
     * @throws StoreClosedException     if the log is closed
     * @throws StoreException           if the write failed (then the record is not acknowledged, its LSN is handed
     *                                  out again, and the log goes on unless {@link #isFailed()}), or the log failed
     *                                  earlier
     */
    public long append(byte[] record) {
        return appendWithPosition(record).lsn();
    }

    /**
     * Appends a record like {@link #append(byte[])} and returns where it was written, for {@link #readAt}.
     *
     * @return the record's LSN, segment and offset
     */
    public WalPosition appendWithPosition(byte[] record) {
        if (record == null) {
            throw new IllegalArgumentException("record is null");
        }
        if (record.length > maxRecordBytes) {
            throw new IllegalArgumentException("record of " + record.length + " bytes is larger than the maximum of "
                    + maxRecordBytes + " bytes for this log's segment size");
        }
        Pending p = new Pending(record);
        committer.append(p);
        return new WalPosition(p.lsn, p.segment, p.offset);
    }

    /**
     * Makes every record appended before this call durable, in every sync mode.
     *
     * @throws StoreClosedException if the log is closed
     * @throws StoreException       if the log failed, now or earlier
     */
    public void sync() {
        committer.sync();
    }

    /**
     * Delivers the records with LSN at least {@code fromLsn}, in LSN order, up to the last record appended when the
     * call started. If {@code fromLsn} is below the oldest record kept (older segments were truncated), replay starts
     * at the oldest kept record: see {@link #firstLsn()}. May run while other threads append. The consumer may
     * append, but must not call {@link #truncateBefore} (truncation waits for replays to finish).
     *
     * @param fromLsn the first LSN wanted: 0 or more, at most {@link #lastLsn()} + 1
     * @throws IllegalArgumentException if {@code fromLsn} is negative or past {@code lastLsn() + 1}
     * @throws CorruptionException      if a record that was written cannot be read back intact
     */
    public void replay(long fromLsn, RecordConsumer consumer) {
        Objects.requireNonNull(consumer, "consumer");
        replayWithPositions(fromLsn, (position, record) -> consumer.accept(position.lsn(), record));
    }

    /**
     * Like {@link #replay}, but delivers each record with its position (for {@link #readAt}): a log-structured store
     * rebuilds its index of positions with this after a restart.
     *
     * @throws IllegalArgumentException if {@code fromLsn} is negative or past {@code lastLsn() + 1}
     * @throws CorruptionException      if a record that was written cannot be read back intact
     */
    public void replayWithPositions(long fromLsn, PositionedRecordConsumer consumer) {
        Objects.requireNonNull(consumer, "consumer");
        segmentDeletion.readLock().lock();
        try {
            long last = committer.lastLsn();
            if (fromLsn < 0 || fromLsn > last + 1) {
                throw new IllegalArgumentException("fromLsn must be between 0 and lastLsn + 1 = " + (last + 1)
                        + ", got " + fromLsn);
            }
            WalReplay.replay(disk, new TreeMap<>(segments), fromLsn, last, consumer);
        } catch (IOException e) {
            throw new StoreException("replaying the write-ahead log in " + dir + " failed: " + e, e);
        } finally {
            segmentDeletion.readLock().unlock();
        }
    }

    /**
     * @return the first LSN of every kept segment, oldest first; the last is the active segment's. Every segment but
     *         the last is sealed and holds exactly the records from its first LSN up to the next segment's.
     */
    public long[] segmentStarts() {
        segmentDeletion.readLock().lock();
        try {
            return segments.keySet().stream().mapToLong(Long::longValue).toArray();
        } finally {
            segmentDeletion.readLock().unlock();
        }
    }

    /** @return the bytes a record of {@code payloadBytes} takes in a segment, frame header included */
    public static int frameBytes(int payloadBytes) {
        return WalFormat.FRAME_HEADER_SIZE + payloadBytes;
    }

    /**
     * Reads one record back by the position {@link #appendWithPosition} returned.
     *
     * @throws IllegalArgumentException if the position is of a record not yet written or of a truncated segment
     * @throws CorruptionException      if the record there is damaged
     */
    public byte[] readAt(WalPosition position) {
        return readAt(position, SegmentReader.POINT_WINDOW);
    }

    /**
     * As {@link #readAt(WalPosition)}, with the frame's expected size on disk ({@link #frameBytes(int)} of the
     * record's length, if the caller knows it): the first read call asks for that many bytes instead of a 4 KiB
     * window, so a small record costs a small read. A wrong guess costs at most one more read call, never a wrong
     * result.
     *
     * @throws IllegalArgumentException as {@link #readAt(WalPosition)}
     * @throws CorruptionException      if the record there is damaged
     */
    public byte[] readAt(WalPosition position, int expectedFrameBytes) {
        Objects.requireNonNull(position, "position");
        segmentDeletion.readLock().lock();
        try {
            // The written LSN only grows: a read of an older record needs neither the committer's lock (which
            // every append takes) nor its open check; close sets readsClosed under the write lock of segmentDeletion.
            if (readsClosed) {
                throw new StoreClosedException("the write-ahead log in " + dir + " is closed");
            }
            if (position.lsn() < 1 || position.lsn() > readableThrough && position.lsn() > refreshReadable()) {
                throw new IllegalArgumentException("no record with LSN " + position.lsn() + " was written");
            }
            Path path = segments.get(position.segment());
            if (path == null) {
                throw new IllegalArgumentException("segment " + position.segment() + " of " + position
                        + " is not in the log (truncated?)");
            }
            ReadHandle h = readFiles.get(position.segment());
            if (h == null) {
                // Opened under the read lock, so truncation (which closes handles under the write lock) cannot
                // miss one; two readers racing here may both open, and the loser closes its own.
                io.durakv.api.io.DiskFile opened = disk.open(path, io.durakv.api.io.OpenMode.READ);
                ReadHandle mine;
                try {
                    mine = new ReadHandle(opened, options.mappedReads());
                } catch (IOException | RuntimeException e) {
                    opened.close();
                    throw e;
                }
                h = readFiles.putIfAbsent(position.segment(), mine);
                if (h == null) {
                    h = mine;
                } else {
                    // Its mapping too: a mapping left open stays until the JVM exits.
                    mine.close();
                }
            }
            try {
                long seen = h.size;
                try {
                    return WalReplay.readAt(h.file, h.mapping, seen, position, expectedFrameBytes);
                } catch (CorruptionException e) {
                    // A segment without preallocation grows: the frame may end past the size this read trusted.
                    // Compared with that size, not with h.size, which another reader may have raised meanwhile.
                    long now = h.file.size();
                    if (now <= seen) {
                        throw e;
                    }
                    if (now > h.size) {
                        h.size = now;
                    }
                    return WalReplay.readAt(h.file, h.mapping, now, position, expectedFrameBytes);
                }
            } catch (java.nio.channels.ClosedChannelException e) {
                // An interrupted reader (ClosedByInterruptException) closed the handle all readers share: drop it, so
                // that the next read opens a new one instead of failing for as long as the segment lives.
                if (readFiles.remove(position.segment(), h)) {
                    h.close();
                }
                throw e;
            }
        } catch (IOException e) {
            throw new StoreException("reading " + position + " from the write-ahead log in " + dir + " failed: " + e,
                    e);
        } finally {
            segmentDeletion.readLock().unlock();
        }
    }

    /**
     * Removes every whole segment whose records are all below {@code lsn}, oldest first, forcing the directory after
     * each removal; never the active segment. A removed segment's file is deleted, or renamed to
     * {@code wal-<lsn>.recycle} for rotation to reuse (at most two such files are kept). The caller promises that records below {@code lsn} are durable
     * elsewhere. A crash at any instant leaves a contiguous run of the newest segments, which recovery accepts.
     *
     * @param lsn at most {@link #lastLsn()} + 1
     * @throws IllegalArgumentException if {@code lsn} is negative or past {@code lastLsn() + 1}
     * @throws StoreException           if a deletion or rename fails (the segment stays; the log goes on), or the
     *                                  directory force fails (the log is then fail-stop)
     */
    public void truncateBefore(long lsn) {
        segmentDeletion.writeLock().lock();
        try {
            committer.checkWritable();
            long last = committer.lastLsn();
            if (lsn < 0 || lsn > last + 1) {
                throw new IllegalArgumentException("truncateBefore needs an LSN between 0 and lastLsn + 1 = "
                        + (last + 1) + ", got " + lsn);
            }
            List<Map.Entry<Long, Path>> doomed = new ArrayList<>();
            for (Map.Entry<Long, Path> e : segments.entrySet()) {
                Long next = segments.higherKey(e.getKey());
                if (next == null || next > lsn) {
                    break;
                }
                doomed.add(e);
            }
            for (Map.Entry<Long, Path> e : doomed) {
                Path recycled = null;
                try {
                    closeReadFile(e.getKey());
                    if (pool.wants(disk, e.getValue())) {
                        recycled = dir.resolve(WalFormat.recycleName(e.getKey()));
                        disk.rename(e.getValue(), recycled);
                    } else {
                        disk.delete(e.getValue());
                    }
                } catch (IOException ex) {
                    // Nothing changed (a rename or a deletion either happens or not): the segment stays in the log
                    // and a later truncation removes it.
                    throw new StoreException("removing " + e.getValue() + " from the write-ahead log failed; it "
                            + "stays until a later truncation: " + ex, ex);
                }
                // The segment is gone from the log's directory: readers must not look for it any more.
                segments.remove(e.getKey());
                try {
                    // Forces this removal (a deletion, or a rename out of the log for reuse) before the next one: a
                    // crash then leaves the newest segments without a hole, which is how recovery tells truncation
                    // from a lost segment.
                    disk.forceDirectory(dir);
                } catch (IOException ex) {
                    throw committer.fail("forcing the directory after removing " + e.getValue(), ex);
                }
                if (recycled != null) {
                    pool.add(recycled);
                }
            }
        } finally {
            segmentDeletion.writeLock().unlock();
        }
    }

    /**
     * @return whether the log is fail-stop: a force failed (or another failure the log could not undo), and every
     *         append and sync throws until the log is closed and reopened. A failed write alone (e.g. a full disk)
     *         does not make it fail-stop: the appends it carried throw, and later appends succeed once the disk
     *         accepts writes again.
     */
    public boolean isFailed() {
        return committer.isFailed();
    }

    /** @return the LSN of the last record appended (written), or 0 when the log has never held a record */
    public long lastLsn() {
        return committer.lastLsn();
    }

    /**
     * @return the LSN of the oldest record kept: the first LSN of the oldest segment (records below it were
     *         truncated). Equal to {@code lastLsn() + 1} when no record is kept.
     */
    public long firstLsn() {
        segmentDeletion.readLock().lock();
        try {
            long last = committer.lastLsn();
            return Math.min(segments.firstKey(), last + 1);
        } finally {
            segmentDeletion.readLock().unlock();
        }
    }

    /** @return the largest record {@link #append} accepts: the segment size less framing, at most 64 MiB */
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /**
     * Closes the log durably: every appended record is forced, a clean-close marker is written and forced, the
     * background thread stops and the file is released. Idempotent. Every other method throws
     * {@link StoreClosedException} afterwards.
     *
     * @throws StoreException if the log had failed (it is released but not closed cleanly) or the final force fails
     */
    @Override
    public void close() {
        if (flusher != null) {
            flusher.stop();
        }
        pool.stopSpare();
        try {
            committer.close();
        } finally {
            segmentDeletion.writeLock().lock();
            try {
                readsClosed = true;
                for (Long segment : List.copyOf(readFiles.keySet())) {
                    try {
                        closeReadFile(segment);
                    } catch (IOException e) {
                        // A read handle: nothing was written through it, so there is nothing to lose.
                    }
                }
            } finally {
                segmentDeletion.writeLock().unlock();
            }
        }
    }

    /** @return the written LSN now (asking the committer: throws if the log is closed), remembered for reads */
    private long refreshReadable() {
        long last = committer.lastLsn();
        synchronized (readFiles) {
            if (last > readableThrough) {
                readableThrough = last;
            }
        }
        return last;
    }

    /** Closes the cached read handle of {@code segment}, if any (write lock held, or the log closing). */
    private void closeReadFile(long segment) throws IOException {
        ReadHandle h = readFiles.remove(segment);
        if (h != null) {
            h.close();
        }
    }

    @Override
    public String toString() {
        return "WriteAheadLog[" + dir + "]";
    }
}
