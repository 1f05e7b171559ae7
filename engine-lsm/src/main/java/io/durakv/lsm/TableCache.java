package io.durakv.lsm;

import io.durakv.api.StoreException;
import io.durakv.api.io.Disk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps at most {@code maxOpenFiles} {@link SstReader}s open, closing the least recently used unpinned one to make
 * room. {@link #acquire} pins a reader until its {@link Handle} is closed; a pinned reader is never closed, so when
 * every open reader is pinned, {@code acquire} of another table waits for an unpin. A thread that itself holds all the
 * pins would wait forever, so it gets a {@link StoreException} instead (raise the limit above the number of tables one
 * operation reads at once).
 *
 * <p>Thread-safe: the table map and counters are guarded by this object's monitor; readers are opened outside it (a
 * placeholder entry makes other acquirers of the same table wait).
 */
final class TableCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TableCache.class);

    private final Disk disk;
    private final int maxOpenFiles;
    private final BlockCache blockCache;
    // Guarded by this: tables by number, least recently acquired first.
    private final LinkedHashMap<Long, Table> tables = new LinkedHashMap<>(64, 0.75f, true);
    private final Map<Thread, Integer> pinsByThread = new HashMap<>();
    /** Readers open or being opened, including evicted ones still pinned. Guarded by this. */
    private int open;
    private int pins;
    /** Readers being opened (placeholders without a reader yet). Guarded by this. */
    private int opening;
    private boolean closed;

    /**
     * @param maxOpenFiles the most table files open at once, {@code >= 1}
     * @param blockCache   the block cache the readers share, or {@code null}
     */
    TableCache(Disk disk, int maxOpenFiles, BlockCache blockCache) {
        if (maxOpenFiles < 1) {
            throw new IllegalArgumentException("table cache needs maxOpenFiles >= 1, got " + maxOpenFiles);
        }
        this.disk = Objects.requireNonNull(disk, "disk");
        this.maxOpenFiles = maxOpenFiles;
        this.blockCache = blockCache;
    }

    /** A pin on an open reader; {@link #close()} unpins it. Idempotent close; for one thread. */
    final class Handle implements AutoCloseable {
        private final Table table;
        private final Thread owner;
        private boolean released;

        private Handle(Table table, Thread owner) {
            this.table = table;
            this.owner = owner;
        }

        /** @return the pinned reader, open until this handle is closed */
        SstReader reader() {
            if (released) {
                throw new IllegalStateException("table handle of " + table.file + " is closed");
            }
            return table.reader;
        }

        @Override
        public void close() {
            if (released) {
                return;
            }
            released = true;
            unpin(table, owner);
        }
    }

    private static final class Table {
        final long number;
        final Path file;
        SstReader reader; // null while being opened
        int pins;
        boolean evicted;

        Table(long number, Path file) {
            this.number = number;
            this.file = file;
        }
    }

    /**
     * Opens (or reuses) the reader of table {@code fileNumber} at {@code file} and pins it until the handle is closed.
     *
     * @throws io.durakv.api.CorruptionException if the table is damaged
     * @throws StoreException if the calling thread already pins {@code maxOpenFiles} tables
     */
    Handle acquire(long fileNumber, Path file) throws IOException {
        Thread me = Thread.currentThread();
        Table table;
        synchronized (this) {
            while (true) {
                checkOpen();
                table = tables.get(fileNumber);
                if (table != null) {
                    if (table.reader != null) {
                        return pin(table, me);
                    }
                    await(); // another thread is opening it
                    continue;
                }
                if (open < maxOpenFiles || closeLeastRecentlyUsedUnpinned()) {
                    break;
                }
                // Every slot is pinned or being opened. If this thread holds all of the pins and nothing is being
                // opened (an opener will release its pin some day), no one else can ever free a slot.
                if (opening == 0 && pinsByThread.getOrDefault(me, 0) == pins) {
                    throw new StoreException("all " + maxOpenFiles + " open tables are pinned by this thread; cannot"
                            + " open table " + fileNumber + " without exceeding the open-file limit");
                }
                await();
            }
            table = new Table(fileNumber, file);
            tables.put(fileNumber, table);
            open++;
            opening++;
        }
        SstReader reader;
        try {
            reader = SstReader.open(disk, file, fileNumber, blockCache);
        } catch (IOException | RuntimeException | Error e) {
            synchronized (this) {
                if (tables.get(fileNumber) == table) {
                    tables.remove(fileNumber);
                }
                open--;
                opening--;
                notifyAll();
            }
            throw e;
        }
        synchronized (this) {
            table.reader = reader;
            opening--;
            LOG.debug("opened table {} ({} open)", file, open);
            Handle h = pin(table, me);
            notifyAll();
            return h;
        }
    }

    /**
     * Forgets table {@code fileNumber} (its file was deleted): closes its reader now, or when its last pin is
     * released, and drops its cached blocks.
     */
    void evict(long fileNumber) {
        synchronized (this) {
            Table table = tables.remove(fileNumber);
            if (table != null) {
                table.evicted = true;
                if (table.pins == 0 && table.reader != null) {
                    closeReader(table);
                }
            }
        }
        if (blockCache != null) {
            blockCache.evictFile(fileNumber);
        }
    }

    /** Closes every unpinned reader now and each pinned one when unpinned; {@link #acquire} fails from now on. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            Iterator<Table> it = tables.values().iterator();
            while (it.hasNext()) {
                Table t = it.next();
                t.evicted = true;
                if (t.pins == 0 && t.reader != null) {
                    closeReader(t);
                    it.remove();
                }
            }
            notifyAll();
        }
    }

    /** @return the number of readers open now (pinned evicted ones included) */
    synchronized int openFiles() {
        return open;
    }

    /** @return the number of pins held now */
    synchronized int pins() {
        return pins;
    }

    private Handle pin(Table table, Thread owner) {
        table.pins++;
        pins++;
        pinsByThread.merge(owner, 1, Integer::sum);
        return new Handle(table, owner);
    }

    private void unpin(Table table, Thread owner) {
        boolean evicted;
        synchronized (this) {
            table.pins--;
            pins--;
            pinsByThread.computeIfPresent(owner, (t, n) -> n == 1 ? null : n - 1);
            evicted = table.evicted && table.pins == 0;
            if (evicted) {
                tables.remove(table.number, table);
                closeReader(table);
            }
            notifyAll();
        }
        if (evicted && blockCache != null) {
            // Blocks a pinned reader read after evict() are dropped now that nobody reads the table any more.
            blockCache.evictFile(table.number);
        }
    }

    /** Closes the least recently used unpinned reader. @return whether there was one */
    private boolean closeLeastRecentlyUsedUnpinned() {
        Iterator<Table> it = tables.values().iterator();
        while (it.hasNext()) {
            Table t = it.next();
            if (t.pins == 0 && t.reader != null) {
                it.remove();
                closeReader(t);
                return true;
            }
        }
        return false;
    }

    private void closeReader(Table table) {
        table.reader.close();
        open--;
        LOG.debug("closed table {} ({} open)", table.file, open);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("table cache is closed");
        }
    }

    private void await() throws IOException {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a table to be unpinned");
        }
    }

    @Override
    public synchronized String toString() {
        return "TableCache[" + open + "/" + maxOpenFiles + " open, " + pins + " pins]";
    }
}
