package io.durakv.wal;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Files of truncated segments kept for reuse (segment recycling), so that steady-state rotation neither zero-fills a
 * new file nor unlinks an old one: truncation renames a segment to {@code wal-<lsn>.recycle}, rotation renames it to
 * the next segment's name after writing a new header. Each byte a log writes then reaches the disk once instead of
 * twice (zero-fill, then record). Only with preallocation, and only files of exactly the segment size.
 *
 * <p>Thread-safe: truncation adds, the write turn takes.
 */
final class SegmentPool {

    /** Files kept at most: enough for a log truncated a segment or two behind its head. */
    static final int MAX_FILES = 2;

    private final boolean enabled;
    private final long segmentBytes;
    private final Deque<Path> files = new ArrayDeque<>();

    SegmentPool(WalOptions options) {
        this.enabled = options.preallocate();
        this.segmentBytes = options.segmentBytes();
    }

    /** @return whether the file of segment {@code path} should be kept rather than deleted */
    synchronized boolean wants(Disk disk, Path path) throws IOException {
        return enabled && files.size() < MAX_FILES && sizeOf(disk, path) == segmentBytes;
    }

    /** Adds a file already renamed to its recycle name. */
    synchronized void add(Path recycled) {
        files.addLast(recycled);
    }

    /**
     * Adds a spare file made ahead of rotation ({@link Segment#createSpare}) if the pool has room.
     *
     * @return false if it has none (the caller deletes the spare)
     */
    synchronized boolean offerSpare(Path spare) {
        if (!enabled || files.size() >= MAX_FILES) {
            return false;
        }
        files.addLast(spare);
        return true;
    }

    /** Puts back a file {@link #take()} gave out and rotation could not use (a failed header write or rename). */
    synchronized void giveBack(Path recycled) {
        files.addFirst(recycled);
    }

    /** @return a file to reuse, or null */
    synchronized Path take() {
        return files.pollFirst();
    }

    /** @return how many files wait for reuse */
    synchronized int size() {
        return files.size();
    }

    private static long sizeOf(Disk disk, Path path) throws IOException {
        try (DiskFile f = disk.open(path, OpenMode.READ)) {
            return f.size();
        }
    }
}
