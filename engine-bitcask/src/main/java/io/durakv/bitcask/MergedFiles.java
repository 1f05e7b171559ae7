package io.durakv.bitcask;

import io.durakv.api.StoreClosedException;
import io.durakv.api.io.Disk;
import io.durakv.wal.FramedFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open read handles of merged data files ({@link FramedFile.Reader}), one per merge generation, opened by the first
 * read of that generation: a get from a merged file then costs one positional read, not an open, a size query, a read
 * and a close. A merged data file is finished (forced, end marker) before the key directory can name it and never
 * changes afterwards, so its size is read once.
 *
 * <p>A handle is closed ({@link #release}) only right before its file is deleted, which a merge does only once no
 * reader registered with {@link Readers} before the switch away from that generation remains; no reader can reach it
 * afterwards. Closing the store closes the rest. A handle closed under a reader (an interrupted thread closes the
 * channel for every thread; a read racing close) is dropped, so that the next read opens a fresh one.
 *
 * <p>Thread-safe.
 */
final class MergedFiles {

    private final Disk disk;
    private final Path dir;
    private final ConcurrentHashMap<Long, FramedFile.Reader> open = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** Whether readers read through a read mapping of their file ({@code wal.mappedReads}). */
    private final boolean mapped;

    MergedFiles(Disk disk, Path dir, boolean mapped) {
        this.disk = disk;
        this.dir = dir;
        this.mapped = mapped;
    }

    /** @return the path of generation {@code generation}'s data file */
    Path path(long generation) {
        return dir.resolve(BitcaskFormat.mergeDataName(generation));
    }

    /** @return the reader of generation {@code generation}'s data file, opened if needed */
    FramedFile.Reader reader(long generation) throws IOException {
        FramedFile.Reader r = open.get(generation);
        if (r != null) {
            return r;
        }
        // Two readers racing here may both open; the loser closes its own.
        FramedFile.Reader mine = FramedFile.openReader(disk, path(generation), mapped);
        r = open.putIfAbsent(generation, mine);
        if (r != null) {
            mine.close();
            return r;
        }
        if (closed) { // a read racing the store's close: leave no handle open behind it
            drop(generation, mine);
            throw new StoreClosedException("the store in " + dir + " is closed");
        }
        return mine;
    }

    /** Forgets {@code reader} of {@code generation} (found closed under a read) and closes it. */
    void drop(long generation, FramedFile.Reader reader) {
        if (open.remove(generation, reader)) {
            closeQuietly(reader);
        }
    }

    /** Closes generation {@code generation}'s reader, if open: its file is about to be deleted. */
    void release(long generation) {
        FramedFile.Reader r = open.remove(generation);
        if (r != null) {
            closeQuietly(r);
        }
    }

    /** Closes every reader (the store is closing). */
    void closeAll() {
        closed = true;
        for (Long g : open.keySet()) {
            release(g);
        }
    }

    /** @return the number of open readers (tests) */
    int openCount() {
        return open.size();
    }

    private static void closeQuietly(FramedFile.Reader r) {
        try {
            r.close();
        } catch (IOException e) {
            // A read-only handle: nothing was written through it, so there is nothing to lose.
        }
    }
}
