package io.durakv.lsm;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of a store's structural work since it was opened, for tests and tools. Thread-safe. */
final class Stats {
    final AtomicLong flushes = new AtomicLong();
    final AtomicLong compactions = new AtomicLong();
    final AtomicLong trivialMoves = new AtomicLong();
    /** Files moved down a level by trivial moves (several per move when disjoint L0 files move together). */
    final AtomicLong filesMoved = new AtomicLong();
    final AtomicLong tombstonesDropped = new AtomicLong();
    final AtomicLong manifestRewrites = new AtomicLong();
    final AtomicLong filesDeleted = new AtomicLong();
    final AtomicLong stalls = new AtomicLong();
    final AtomicLong walSegmentsTruncated = new AtomicLong();
    /** Flushes run between two output tables of a compaction (a memtable was waiting). */
    final AtomicLong flushesInCompaction = new AtomicLong();
    /** Memtables flushed by flushes that wrote more than one into a table (two waiting memtables, one table). */
    final AtomicLong memtablesFlushedTogether = new AtomicLong();

    @Override
    public String toString() {
        return "flushes=" + flushes + " compactions=" + compactions + " trivialMoves=" + trivialMoves
                + " filesMoved=" + filesMoved + " tombstonesDropped=" + tombstonesDropped
                + " manifestRewrites=" + manifestRewrites
                + " filesDeleted=" + filesDeleted + " stalls=" + stalls + " walSegmentsTruncated=" + walSegmentsTruncated
                + " flushesInCompaction=" + flushesInCompaction
                + " memtablesFlushedTogether=" + memtablesFlushedTogether;
    }
}
