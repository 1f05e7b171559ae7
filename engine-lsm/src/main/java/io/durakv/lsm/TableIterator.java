package io.durakv.lsm;

import io.durakv.api.StoreException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * An iterator over SSTables through the {@link TableCache}: one file ({@link #open}), or a whole level of
 * non-overlapping files ({@link #level}) opened one at a time as the cursor reaches them. It keeps the table it is in
 * pinned in the cache until it moves past it or is closed.
 *
 * <p>One class for both, holding the table's {@link SstIterator} by its own type: a merge over memtables, L0 files and
 * levels then calls two implementations of {@link InternalIterator} (this and the memtable's cursor), which the JIT
 * inlines at each call site, instead of three or four layers behind megamorphic calls. Not thread-safe.
 */
final class TableIterator implements InternalIterator {

    private final TableCache cache;
    private final Path dir;
    private final List<FileMeta> files;
    private final boolean fillCache;
    private int index = -1;
    private TableCache.Handle handle;
    /** The current file's iterator, or null (before the first file, after the last, closed). */
    private SstIterator current;

    private TableIterator(TableCache cache, Path dir, List<FileMeta> files, boolean fillCache) {
        this.cache = cache;
        this.dir = dir;
        this.files = files;
        this.fillCache = fillCache;
    }

    /** @return an iterator over one table (opened and pinned now, until closed), filling the block cache */
    static TableIterator open(TableCache cache, Path dir, FileMeta file) {
        return open(cache, dir, file, true);
    }

    /**
     * @param fillCache whether blocks read from the file go into the block cache (false for compaction)
     * @return an iterator over one table, opened and pinned now, until closed
     */
    static TableIterator open(TableCache cache, Path dir, FileMeta file, boolean fillCache) {
        TableIterator it = new TableIterator(cache, dir, List.of(file), fillCache);
        it.openFile(0);
        return it;
    }

    /** @return an iterator over the files of one level of L1 and below (sorted, non-overlapping), filling the cache */
    static TableIterator level(TableCache cache, Path dir, List<FileMeta> files) {
        return level(cache, dir, files, true);
    }

    /**
     * @param fillCache whether blocks read from the files go into the block cache (false for compaction)
     * @return an iterator over the files of one level, each opened when the cursor reaches it
     */
    static TableIterator level(TableCache cache, Path dir, List<FileMeta> files, boolean fillCache) {
        return new TableIterator(cache, dir, files, fillCache);
    }

    @Override
    public void seekToFirst() {
        if (index != 0 || current == null) {
            openFile(0);
        }
        if (current != null) {
            current.seekToFirst();
            skipExhausted();
        }
    }

    @Override
    public void seek(byte[] userKey) {
        int lo = 0;
        int hi = files.size();
        while (lo < hi) { // binary search: the first file whose largest key is >= userKey
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(files.get(mid).largest, userKey) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (index != lo || current == null) {
            openFile(lo);
        }
        if (current != null) {
            current.seek(userKey);
            skipExhausted();
        }
    }

    private void openFile(int i) {
        closeCurrent();
        index = i;
        if (i < files.size()) {
            FileMeta file = files.get(i);
            TableCache.Handle h;
            try {
                h = cache.acquire(file.number, file.path(dir));
            } catch (IOException e) {
                throw new StoreException("cannot open SSTable " + LsmFormat.sstPath(dir, file.number) + ": " + e, e);
            }
            try {
                current = h.reader().iterator(fillCache);
            } catch (RuntimeException e) {
                h.close();
                throw e;
            }
            handle = h;
        }
    }

    private void skipExhausted() {
        while (current != null && !current.valid()) {
            if (index + 1 >= files.size()) {
                closeCurrent(); // past the last file: unpinned now, not at close
                index = files.size();
                return;
            }
            openFile(index + 1);
            current.seekToFirst();
        }
    }

    private void closeCurrent() {
        SstIterator c = current;
        TableCache.Handle h = handle;
        current = null;
        handle = null;
        if (c != null) {
            try {
                c.close();
            } finally {
                h.close();
            }
        }
    }

    @Override
    public boolean valid() {
        return current != null && current.valid();
    }

    @Override
    public void next() {
        at().next();
        skipExhausted();
    }

    @Override
    public byte[] key() {
        return at().key();
    }

    @Override
    public byte[] keyArray() {
        return at().keyArray();
    }

    @Override
    public int keyOffset() {
        return 0;
    }

    @Override
    public int keyLength() {
        return at().keyLength();
    }

    @Override
    public long sequence() {
        return at().sequence();
    }

    @Override
    public byte kind() {
        return at().kind();
    }

    @Override
    public byte[] value() {
        return at().value();
    }

    @Override
    public byte[] takeValue() {
        return at().takeValue();
    }

    @Override
    public void addTo(SstWriter table) throws IOException {
        at().addTo(table);
    }

    private SstIterator at() {
        if (current == null) {
            throw new IllegalStateException("the table iterator is not at an entry");
        }
        return current; // its own accessors check that it is at an entry
    }

    @Override
    public void close() {
        closeCurrent();
        index = files.size();
    }
}
