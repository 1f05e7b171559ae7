package io.durakv.api.testkit;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import io.durakv.api.StoreLockedException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.DiskLock;
import io.durakv.api.io.OpenMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * A deliberately simple but correct {@link KeyValueStore} for testing the test kit itself: the whole map lives in
 * memory and every write rewrites it to disk with the atomic-replace protocol (write {@code SNAPSHOT.tmp}, force it,
 * rename it over {@code SNAPSHOT}, force the directory). All I/O goes through {@link StoreOptions#disk()}.
 *
 * <p>The file format is in {@link SnapshotFormat}.
 *
 * <p>Only {@link SyncMode#SYNC} is supported and no properties are known. Keys up to {@link #MAX_KEY_BYTES}, values up
 * to {@link #MAX_VALUE_BYTES}.
 *
 * <p>{@link Bug} selects deliberately broken variants of the write protocol. They exist only so that the crash suite
 * can prove it catches the durability bugs they contain; never use them for anything else.
 *
 * <p>Thread-safe: writes hold this object's monitor; reads use the current map, which is never changed after it was
 * installed (every write installs a new copy), so a scan's view is simply the map current when it started.
 */
public final class SnapshotFileStore implements KeyValueStore {

    /** Largest accepted key, in bytes. */
    public static final int MAX_KEY_BYTES = 1024;
    /** Largest accepted value, in bytes. */
    public static final int MAX_VALUE_BYTES = 64 * 1024;

    static final String LOCK = "LOCK";
    static final String SNAPSHOT = "SNAPSHOT";
    static final String SNAPSHOT_TMP = "SNAPSHOT.tmp";

    /** Deliberate durability bugs, for proving that the crash suite catches them. */
    public enum Bug {
        /** The correct protocol. */
        NONE,
        /** Renames {@code SNAPSHOT.tmp} over {@code SNAPSHOT} without forcing its data first (ALICE: rename before data). */
        SKIP_FILE_FORCE,
        /** Does not force the directory after the rename, so an acknowledged write may roll back after a crash. */
        SKIP_DIRECTORY_FORCE
    }

    private final Path dir;
    private final Disk disk;
    private final Bug bug;
    private final DiskLock lock; // guarded by this
    private volatile NavigableMap<byte[], byte[]> map; // replaced, never mutated, under this
    private volatile boolean closed; // set under this
    private boolean failed; // guarded by this: a write's I/O failed, so what is on disk is unknown

    private SnapshotFileStore(Path dir, Disk disk, Bug bug, DiskLock lock, NavigableMap<byte[], byte[]> map) {
        this.dir = dir;
        this.disk = disk;
        this.bug = bug;
        this.lock = lock;
        this.map = map;
    }

    /** Opens (creating if needed) the correct store in {@code dir}. */
    public static SnapshotFileStore open(Path dir, StoreOptions options) {
        return open(dir, options, Bug.NONE);
    }

    /** Opens the store in {@code dir} with the given (possibly deliberately broken) write protocol. */
    public static SnapshotFileStore open(Path dir, StoreOptions options, Bug bug) {
        if (options.syncMode() != SyncMode.SYNC) {
            throw new IllegalArgumentException("SnapshotFileStore supports only SyncMode.SYNC, got " + options.syncMode());
        }
        if (!options.properties().isEmpty()) {
            throw new IllegalArgumentException("unknown property '" + options.properties().keySet().iterator().next()
                    + "': SnapshotFileStore has no properties");
        }
        Disk disk = options.disk();
        DiskLock lock;
        try {
            disk.createDirectories(dir);
            lock = disk.tryLock(dir.resolve(LOCK));
        } catch (IOException e) {
            throw new StoreException("cannot lock " + dir, e);
        }
        if (lock == null) {
            throw new StoreLockedException("store directory " + dir + " is already open");
        }
        try {
            // A leftover tmp file is an unfinished write that was never acknowledged. Its deletion need not be
            // durable: if a crash undoes it, the next open deletes it again.
            disk.deleteIfExists(dir.resolve(SNAPSHOT_TMP));
            Path snapshot = dir.resolve(SNAPSHOT);
            NavigableMap<byte[], byte[]> map = disk.exists(snapshot) ? SnapshotFormat.read(disk, snapshot) : newMap();
            return new SnapshotFileStore(dir, disk, bug, lock, map);
        } catch (IOException | RuntimeException e) {
            closeQuietly(lock, e);
            throw e instanceof IOException io ? new StoreException("cannot open " + dir, io) : (RuntimeException) e;
        }
    }

    /** @return a factory opening this store with the given write protocol */
    public static StoreFactory factory(Bug bug) {
        return (dir, options) -> open(dir, options, bug);
    }

    @Override
    public byte[] get(byte[] key) {
        checkKey(key);
        checkOpen("get");
        byte[] value = map.get(key);
        return value == null ? null : value.clone();
    }

    @Override
    public void put(byte[] key, byte[] value) {
        write(new WriteBatch().put(checkKey(key), checkValue(value)));
    }

    @Override
    public void delete(byte[] key) {
        write(new WriteBatch().delete(checkKey(key)));
    }

    @Override
    public synchronized void write(WriteBatch batch) {
        if (batch == null) {
            throw new IllegalArgumentException("batch is null");
        }
        for (WriteBatch.Op op : batch.ops()) { // check everything before applying anything
            checkKey(op.key());
            if (!op.isDelete()) {
                checkValue(op.value());
            }
        }
        checkOpen("write");
        if (failed) {
            throw new StoreException("store " + dir + " refuses writes after a failed write; close and reopen it");
        }
        NavigableMap<byte[], byte[]> next = newMap();
        next.putAll(map);
        for (WriteBatch.Op op : batch.ops()) { // the batch owns its arrays and may be reused: copy them
            if (op.isDelete()) {
                next.remove(op.key());
            } else {
                next.put(op.key().clone(), op.value().clone());
            }
        }
        try {
            replaceSnapshot(SnapshotFormat.encode(next));
        } catch (IOException e) {
            failed = true;
            throw new StoreException("cannot write " + dir.resolve(SNAPSHOT) + "; store is now read-only", e);
        }
        map = next; // acknowledged only now, after the new snapshot is durable
    }

    /** The atomic-replace protocol; its steps must stay in this order. */
    private void replaceSnapshot(byte[] image) throws IOException {
        Path tmp = dir.resolve(SNAPSHOT_TMP);
        try (DiskFile file = disk.open(tmp, OpenMode.CREATE)) {
            file.truncate(0);
            file.write(0, ByteBuffer.wrap(image));
            if (bug != Bug.SKIP_FILE_FORCE) {
                // Makes the new image durable; the rename below must not become durable before the bytes it names.
                file.force(true);
            }
        }
        disk.rename(tmp, dir.resolve(SNAPSHOT));
        if (bug != Bug.SKIP_DIRECTORY_FORCE) {
            // Makes the rename durable: until it is, a crash brings back the old SNAPSHOT, so the write is acknowledged
            // only after this.
            disk.forceDirectory(dir);
        }
    }

    @Override
    public KeyValueIterator scan(byte[] fromInclusive, byte[] toExclusive) {
        checkOpen("scan");
        NavigableMap<byte[], byte[]> view = map; // never mutated: this is the point-in-time view
        // The bounds are copied: a sub-map view keeps them, and the caller may reuse its arrays.
        byte[] from = fromInclusive == null ? null : fromInclusive.clone();
        byte[] to = toExclusive == null ? null : toExclusive.clone();
        if (from != null && to != null && Arrays.compareUnsigned(from, to) > 0) {
            view = newMap(); // an inverted range is empty
        } else if (from != null && to != null) {
            view = view.subMap(from, true, to, false);
        } else if (from != null) {
            view = view.tailMap(from, true);
        } else if (to != null) {
            view = view.headMap(to, false);
        }
        return new SnapshotIterator(view.entrySet().iterator());
    }

    @Override
    public void sync() {
        checkOpen("sync"); // every acknowledged write is already durable
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            lock.close();
        } catch (IOException e) {
            throw new StoreException("cannot release the lock of " + dir, e);
        }
    }

    @Override
    public String toString() {
        return "SnapshotFileStore[" + dir + ", bug=" + bug + "]";
    }

    private void checkOpen(String call) {
        if (closed) {
            throw new StoreClosedException(call + " on closed store " + dir);
        }
    }

    private static byte[] checkKey(byte[] key) {
        return checkSize(key, "key", MAX_KEY_BYTES);
    }

    private static byte[] checkValue(byte[] value) {
        return checkSize(value, "value", MAX_VALUE_BYTES);
    }

    private static byte[] checkSize(byte[] bytes, String what, int max) {
        if (bytes == null || bytes.length > max) {
            throw new IllegalArgumentException(what + (bytes == null ? " is null" : " of " + bytes.length
                    + " bytes exceeds the maximum of " + max));
        }
        return bytes;
    }

    static NavigableMap<byte[], byte[]> newMap() {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    private static void closeQuietly(DiskLock lock, Throwable pending) {
        try {
            lock.close();
        } catch (IOException e) {
            pending.addSuppressed(e);
        }
    }

    /** Iterates one point-in-time view; fails once it or its store is closed. */
    private final class SnapshotIterator implements KeyValueIterator {
        private final Iterator<Map.Entry<byte[], byte[]>> entries;
        private boolean iteratorClosed;

        SnapshotIterator(Iterator<Map.Entry<byte[], byte[]>> entries) {
            this.entries = entries;
        }

        @Override
        public boolean hasNext() {
            checkUsable();
            return entries.hasNext();
        }

        @Override
        public KeyValue next() {
            checkUsable();
            if (!entries.hasNext()) {
                throw new NoSuchElementException("scan of " + dir + " is exhausted");
            }
            Map.Entry<byte[], byte[]> e = entries.next();
            return new KeyValue(e.getKey().clone(), e.getValue().clone());
        }

        @Override
        public void close() {
            iteratorClosed = true;
        }

        private void checkUsable() {
            if (iteratorClosed || closed) {
                throw new IllegalStateException("iterator used after " + (iteratorClosed ? "it" : "its store")
                        + " was closed");
            }
        }
    }
}
