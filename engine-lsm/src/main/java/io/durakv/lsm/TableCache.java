package io.durakv.lsm;

import io.durakv.api.StoreException;
import io.durakv.api.io.Disk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps at most {@code maxOpenFiles} {@link SstReader}s open, closing the least recently used unpinned one to make
 * room. {@link #acquire} pins a reader until its {@link Handle} is closed; a pinned reader is never closed, so when
 * every open reader is pinned, {@code acquire} of another table waits for an unpin. A thread that itself holds all the
 * pins would wait forever, so it gets a {@link StoreException} instead (raise the limit above the number of tables one
 * operation reads at once).
 *
 * <p>Thread-safe. Acquiring a table that is open takes no lock (every point read does it once per table it probes):
 * a table's pin count is a compare-and-set counter, {@code -1} once its reader is closed, so a reader is closed only
 * by the one thread that moved the count from 0 to -1, and a pin never lands on a closed reader. Opening, closing and
 * the open-file count are guarded by this object's monitor; readers are opened outside it (a placeholder entry makes
 * other acquirers of the same table wait).
 */
final class TableCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TableCache.class);
    private static final VarHandle PINS;

    static {
        try {
            PINS = MethodHandles.lookup().findVarHandle(Table.class, "pins", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Disk disk;
    private final int maxOpenFiles;
    private final BlockCache blockCache;
    /** Tables by number. Read without a lock; changed under the monitor. */
    private final ConcurrentHashMap<Long, Table> tables = new ConcurrentHashMap<>();
    /** Pins each thread holds in this cache (for the self-deadlock check). */
    private final ThreadLocal<AtomicInteger> threadPins = ThreadLocal.withInitial(AtomicInteger::new);
    private final AtomicInteger pins = new AtomicInteger();
    /** Threads waiting on the monitor for an unpin or an open; an unpin that frees a table wakes them. */
    private final AtomicInteger waiters = new AtomicInteger();
    /** Use clock for least-recently-used order (racy increments only blur the order). */
    private long clock;
    /** Readers open or being opened, including evicted ones still pinned. Guarded by this. */
    private int open;
    /** Readers being opened (placeholders without a reader yet). Guarded by this. */
    private int opening;
    private volatile boolean closed;
    private final boolean mappedReads;

    /**
     * @param maxOpenFiles the most table files open at once, {@code >= 1}
     * @param blockCache   the block cache the readers share, or {@code null}
     */
    TableCache(Disk disk, int maxOpenFiles, BlockCache blockCache) {
        this(disk, maxOpenFiles, blockCache, true);
    }

    /**
     * @param maxOpenFiles the most table files open at once, {@code >= 1}
     * @param blockCache   the block cache the readers share, or {@code null}
     * @param mappedReads  whether readers read blocks through a read mapping of their table ({@code lsm.mappedReads})
     */
    TableCache(Disk disk, int maxOpenFiles, BlockCache blockCache, boolean mappedReads) {
        if (maxOpenFiles < 1) {
            throw new IllegalArgumentException("table cache needs maxOpenFiles >= 1, got " + maxOpenFiles);
        }
        this.disk = Objects.requireNonNull(disk, "disk");
        this.maxOpenFiles = maxOpenFiles;
        this.blockCache = blockCache;
        this.mappedReads = mappedReads;
    }

    /** A pin on an open reader; {@link #close()} unpins it. Idempotent close; for one thread. */
    final class Handle implements AutoCloseable {
        private final Table table;
        private final AtomicInteger ownerPins;
        private boolean released;

        private Handle(Table table, AtomicInteger ownerPins) {
            this.table = table;
            this.ownerPins = ownerPins;
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
            unpin(table, ownerPins);
        }
    }

    private static final class Table {
        final long number;
        final Path file;
        volatile SstReader reader; // null while being opened
        /** Pins held, or -1 once the reader is closed (or the open failed). Changed by compare-and-set only. */
        volatile int pins;
        volatile boolean evicted;
        volatile long lastUse;

        Table(long number, Path file) {
            this.number = number;
            this.file = file;
        }

        /** @return whether a pin was taken (false once the reader is closed) */
        boolean tryPin() {
            while (true) {
                int p = pins;
                if (p < 0) {
                    return false;
                }
                if (PINS.compareAndSet(this, p, p + 1)) {
                    return true;
                }
            }
        }

        /** @return whether this thread moved the count from 0 to -1 and so must close the reader */
        boolean tryRetire() {
            return PINS.compareAndSet(this, 0, -1);
        }
    }

    /**
     * Opens (or reuses) the reader of table {@code fileNumber} at {@code file} and pins it until the handle is closed.
     *
     * @throws io.durakv.api.CorruptionException if the table is damaged
     * @throws StoreException if the calling thread already pins {@code maxOpenFiles} tables
     */
    Handle acquire(long fileNumber, Path file) throws IOException {
        checkOpen();
        Table table = tables.get(fileNumber);
        if (table != null && table.reader != null) {
            Handle h = tryPin(table);
            if (h != null) {
                return h;
            }
        }
        return acquireSlow(fileNumber, file);
    }

    /** @return a handle on the open, not evicted {@code table}, or null if it was closed or evicted meanwhile */
    private Handle tryPin(Table table) {
        if (!table.tryPin()) {
            return null;
        }
        AtomicInteger mine = threadPins.get();
        mine.incrementAndGet();
        pins.incrementAndGet();
        Handle h = new Handle(table, mine);
        if (table.evicted) { // evicted (its file deleted) between the look-up and the pin: open it afresh
            h.close();
            return null;
        }
        table.lastUse = ++clock;
        return h;
    }

    private Handle acquireSlow(long fileNumber, Path file) throws IOException {
        Table table;
        synchronized (this) {
            // Counted before looking: an unpin after any look below sees the waiter and wakes it.
            waiters.incrementAndGet();
            try {
                table = reserve(fileNumber, file);
            } finally {
                waiters.decrementAndGet();
            }
            if (table == null) {
                return tryPinListed(fileNumber);
            }
        }
        return open(table);
    }

    /**
     * Waits until table {@code fileNumber} is open or a slot is free. Monitor held.
     *
     * @return a placeholder the caller must open, or null if the table is open now (listed with a reader)
     */
    private Table reserve(long fileNumber, Path file) throws IOException {
        while (true) {
            checkOpen();
            Table table = tables.get(fileNumber);
            if (table != null) {
                if (table.reader != null) {
                    return null;
                }
                await(); // another thread is opening it
                continue;
            }
            if (open < maxOpenFiles || closeLeastRecentlyUsedUnpinned()) {
                break;
            }
            // Every slot is pinned or being opened. If this thread holds all of the pins and nothing is being
            // opened (an opener will release its pin some day), no one else can ever free a slot.
            if (opening == 0 && threadPins.get().get() == pins.get()) {
                throw new StoreException("all " + maxOpenFiles + " open tables are pinned by this thread; cannot"
                        + " open table " + fileNumber + " without exceeding the open-file limit");
            }
            await();
        }
        Table table = new Table(fileNumber, file);
        tables.put(fileNumber, table);
        open++;
        opening++;
        return table;
    }

    /** Pins listed, open table {@code fileNumber}. Monitor held: only unpins change it, none can close it. */
    private Handle tryPinListed(long fileNumber) {
        Handle h = tryPin(tables.get(fileNumber));
        if (h == null) {
            throw new IllegalStateException("table " + fileNumber + " is listed open but its reader is closed");
        }
        return h;
    }

    /** Opens the reserved {@code table}'s reader outside the monitor and pins it. */
    private Handle open(Table table) throws IOException {
        long fileNumber = table.number;
        Path file = table.file;
        SstReader reader;
        try {
            reader = SstReader.open(disk, file, fileNumber, blockCache, mappedReads);
        } catch (IOException | RuntimeException | Error e) {
            synchronized (this) {
                table.pins = -1;
                tables.remove(fileNumber, table);
                open--;
                opening--;
                notifyAll();
            }
            throw e;
        }
        synchronized (this) {
            AtomicInteger mine = threadPins.get();
            table.pins = 1; // nobody else can pin before the reader is published
            mine.incrementAndGet();
            pins.incrementAndGet();
            table.lastUse = ++clock;
            table.reader = reader;
            opening--;
            LOG.debug("opened table {} ({} open)", file, open);
            notifyAll();
            return new Handle(table, mine);
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
                if (table.reader != null && table.tryRetire()) {
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
                if (t.reader != null && t.tryRetire()) {
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
    int pins() {
        return pins.get();
    }

    private void unpin(Table table, AtomicInteger ownerPins) {
        int left = (int) PINS.getAndAdd(table, -1) - 1;
        ownerPins.decrementAndGet();
        pins.decrementAndGet();
        if (left != 0) {
            return;
        }
        if (table.evicted && table.tryRetire()) {
            synchronized (this) {
                tables.remove(table.number, table);
                closeReader(table);
                notifyAll();
            }
            if (blockCache != null) {
                // Blocks a pinned reader read after evict() are dropped now that nobody reads the table any more.
                blockCache.evictFile(table.number);
            }
        } else if (waiters.get() > 0) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Closes the least recently used unpinned reader. Monitor held. @return whether there was one */
    private boolean closeLeastRecentlyUsedUnpinned() {
        while (true) {
            Table oldest = null;
            for (Table t : tables.values()) {
                if (t.reader != null && t.pins == 0 && (oldest == null || t.lastUse < oldest.lastUse)) {
                    oldest = t;
                }
            }
            if (oldest == null) {
                return false;
            }
            if (oldest.tryRetire()) { // else pinned meanwhile: look again
                tables.remove(oldest.number, oldest);
                closeReader(oldest);
                return true;
            }
        }
    }

    /** Monitor held; the table's pin count is -1. */
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

    /** Waits on the monitor (held, {@link #waiters} counted) for an unpin, an open or an eviction. */
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
