package io.durakv.lsm;

import io.durakv.api.StoreException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Iterators over SSTables through the {@link TableCache}: one file ({@link #open}), or a whole level of
 * non-overlapping files opened one at a time as the cursor reaches them ({@link Level}). Each keeps its table pinned
 * in the cache until it moves past it or is closed. Not thread-safe.
 */
final class TableIterator implements InternalIterator {

    private final TableCache.Handle handle;
    private final InternalIterator it;

    private TableIterator(TableCache.Handle handle, boolean fillCache) {
        this.handle = handle;
        InternalIterator i;
        try {
            i = handle.reader().iterator(fillCache);
        } catch (RuntimeException e) {
            handle.close();
            throw e;
        }
        this.it = i;
    }

    /** @return an iterator over one table, pinned until closed, filling the block cache */
    static TableIterator open(TableCache cache, Path dir, FileMeta file) {
        return open(cache, dir, file, true);
    }

    /**
     * @param fillCache whether blocks read from the file go into the block cache (false for compaction)
     * @return an iterator over one table, pinned until closed
     */
    static TableIterator open(TableCache cache, Path dir, FileMeta file, boolean fillCache) {
        try {
            return new TableIterator(cache.acquire(file.number, file.path(dir)), fillCache);
        } catch (IOException e) {
            throw new StoreException("cannot open SSTable " + LsmFormat.sstPath(dir, file.number) + ": " + e, e);
        }
    }

    @Override
    public void seekToFirst() {
        it.seekToFirst();
    }

    @Override
    public void seek(byte[] userKey) {
        it.seek(userKey);
    }

    @Override
    public boolean valid() {
        return it.valid();
    }

    @Override
    public void next() {
        it.next();
    }

    @Override
    public byte[] key() {
        return it.key();
    }

    @Override
    public long sequence() {
        return it.sequence();
    }

    @Override
    public byte kind() {
        return it.kind();
    }

    @Override
    public byte[] value() {
        return it.value();
    }

    @Override
    public byte[] takeValue() {
        return it.takeValue();
    }

    @Override
    public void close() {
        try {
            it.close();
        } finally {
            handle.close();
        }
    }

    /** The files of one level of L1 and below (sorted, non-overlapping) as one iterator. */
    static final class Level implements InternalIterator {

        private final TableCache cache;
        private final Path dir;
        private final List<FileMeta> files;
        private final boolean fillCache;
        private int index = -1;
        private TableIterator current;

        Level(TableCache cache, Path dir, List<FileMeta> files) {
            this(cache, dir, files, true);
        }

        /** @param fillCache whether blocks read from the files go into the block cache (false for compaction) */
        Level(TableCache cache, Path dir, List<FileMeta> files, boolean fillCache) {
            this.cache = cache;
            this.dir = dir;
            this.files = files;
            this.fillCache = fillCache;
        }

        @Override
        public void seekToFirst() {
            openFile(0);
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
                if (java.util.Arrays.compareUnsigned(files.get(mid).largest, userKey) < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            openFile(lo);
            if (current != null) {
                current.seek(userKey);
                skipExhausted();
            }
        }

        private void openFile(int i) {
            closeCurrent();
            index = i;
            if (i < files.size()) {
                current = open(cache, dir, files.get(i), fillCache);
            }
        }

        private void skipExhausted() {
            while (current != null && !current.valid()) {
                openFile(index + 1);
                if (current != null) {
                    current.seekToFirst();
                }
            }
        }

        private void closeCurrent() {
            if (current != null) {
                TableIterator c = current;
                current = null;
                c.close();
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

        private TableIterator at() {
            if (!valid()) {
                throw new IllegalStateException("the level iterator is not at an entry");
            }
            return current;
        }

        @Override
        public void close() {
            closeCurrent();
            index = files.size();
        }
    }
}
