package io.durakv.wal;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.EngineProperties;
import io.durakv.api.StoreClosedException;
import io.durakv.api.StoreException;
import io.durakv.api.StoreLockedException;
import io.durakv.api.StoreOptions;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.DiskLock;
import io.durakv.api.testkit.StoreFactory;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * A test-only store that puts the write-ahead log under the test kit's crash suite: an in-memory map whose every
 * write is one log record (so a batch is atomic exactly when a record is), recovered by replaying the log. Every
 * {@code checkpointEvery} writes it appends the whole map as one checkpoint record, syncs, and truncates the log
 * before it, so that rotation, truncation and recovery from a truncated log all run inside crash workloads.
 *
 * <p>Thread-safe: one lock around everything; it is a test adapter, not an engine.
 */
final class WalBackedStore implements KeyValueStore {

    private static final byte PUT = 1;
    private static final byte DELETE = 2;
    private static final byte CHECKPOINT = 3;

    private final WriteAheadLog wal;
    private final DiskLock lock;
    private final int checkpointEvery;
    private final NavigableMap<byte[], byte[]> map = new TreeMap<>(Arrays::compareUnsigned);
    private int writesSinceCheckpoint;
    private boolean closed;

    static StoreFactory factory(int checkpointEvery) {
        return (dir, options) -> open(dir, options, checkpointEvery);
    }

    static WalBackedStore open(Path dir, StoreOptions options, int checkpointEvery) {
        EngineProperties p = new EngineProperties("wal-test", options.properties());
        long segmentBytes = p.bytes("wal.segmentBytes", WalOptions.DEFAULT_SEGMENT_BYTES, WalOptions.MIN_SEGMENT_BYTES,
                WalOptions.MAX_SEGMENT_BYTES);
        p.rejectUnknown();
        DiskLock lock;
        try {
            options.disk().createDirectories(dir);
            lock = options.disk().tryLock(dir.resolve("LOCK"));
        } catch (IOException e) {
            throw new StoreException("cannot open " + dir, e);
        }
        if (lock == null) {
            throw new StoreLockedException(dir + " is already open");
        }
        try {
            WriteAheadLog wal = WriteAheadLog.open(dir.resolve("wal"), WalOptions.builder()
                    .syncMode(options.syncMode()).batchInterval(options.batchInterval())
                    .segmentBytes(segmentBytes).disk(options.disk()).build());
            return new WalBackedStore(wal, lock, checkpointEvery);
        } catch (RuntimeException e) {
            try {
                lock.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private WalBackedStore(WriteAheadLog wal, DiskLock lock, int checkpointEvery) {
        this.wal = wal;
        this.lock = lock;
        this.checkpointEvery = checkpointEvery;
        wal.replay(1, (lsn, record) -> apply(record));
    }

    @Override
    public synchronized byte[] get(byte[] key) {
        checkOpen();
        byte[] v = map.get(check(key));
        return v == null ? null : v.clone();
    }

    @Override
    public void put(byte[] key, byte[] value) {
        write(new WriteBatch().put(check(key), check(value)));
    }

    @Override
    public void delete(byte[] key) {
        write(new WriteBatch().delete(check(key)));
    }

    @Override
    public synchronized void write(WriteBatch batch) {
        checkOpen();
        byte[] record = encode(batch);
        wal.append(record); // durable per the sync mode before we apply and acknowledge
        apply(record);
        if (++writesSinceCheckpoint >= checkpointEvery) {
            try {
                checkpoint();
            } catch (StoreException e) {
                // The write itself is in the log and acknowledged; a checkpoint that failed (a full disk) is retried
                // after the next write. Only a fail-stop log fails the store.
                if (wal.isFailed()) {
                    throw e;
                }
                writesSinceCheckpoint = checkpointEvery - 1;
            }
        }
    }

    /** Appends the whole map as one record, makes it durable, then drops the log before it. */
    private void checkpoint() {
        writesSinceCheckpoint = 0;
        long lsn = wal.append(encodeCheckpoint());
        wal.sync(); // the checkpoint record must be durable before the records it replaces are deleted
        wal.truncateBefore(lsn);
    }

    @Override
    public synchronized KeyValueIterator scan(byte[] fromInclusive, byte[] toExclusive) {
        checkOpen();
        NavigableMap<byte[], byte[]> view = new TreeMap<>(Arrays::compareUnsigned);
        map.forEach((k, v) -> {
            boolean afterFrom = fromInclusive == null || Arrays.compareUnsigned(k, fromInclusive) >= 0;
            boolean beforeTo = toExclusive == null || Arrays.compareUnsigned(k, toExclusive) < 0;
            if (afterFrom && beforeTo) {
                view.put(k, v);
            }
        });
        Iterator<Map.Entry<byte[], byte[]>> it = view.entrySet().iterator();
        return new KeyValueIterator() {
            private boolean itClosed;

            @Override
            public boolean hasNext() {
                checkIterator();
                return it.hasNext();
            }

            @Override
            public KeyValue next() {
                checkIterator();
                if (!it.hasNext()) {
                    throw new NoSuchElementException();
                }
                Map.Entry<byte[], byte[]> e = it.next();
                return new KeyValue(e.getKey().clone(), e.getValue().clone());
            }

            private void checkIterator() {
                if (itClosed || isClosed()) {
                    throw new IllegalStateException("iterator or store closed");
                }
            }

            @Override
            public void close() {
                itClosed = true;
            }
        };
    }

    @Override
    public synchronized void sync() {
        checkOpen();
        wal.sync();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            wal.close();
        } finally {
            try {
                lock.close();
            } catch (IOException e) {
                throw new StoreException("cannot release lock", e);
            }
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreClosedException("store is closed");
        }
    }

    private static byte[] check(byte[] b) {
        if (b == null) {
            throw new IllegalArgumentException("null key or value");
        }
        return b;
    }

    private void apply(byte[] record) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(record))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                byte type = in.readByte();
                if (type == CHECKPOINT) {
                    map.clear();
                    continue;
                }
                byte[] key = in.readNBytes(in.readInt());
                if (type == PUT) {
                    map.put(key, in.readNBytes(in.readInt()));
                } else {
                    map.remove(key);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] encode(WriteBatch batch) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(batch.size());
            for (WriteBatch.Op op : batch.ops()) {
                out.writeByte(op.isDelete() ? DELETE : PUT);
                out.writeInt(op.key().length);
                out.write(op.key());
                if (!op.isDelete()) {
                    out.writeInt(op.value().length);
                    out.write(op.value());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private byte[] encodeCheckpoint() {
        WriteBatch all = new WriteBatch();
        map.forEach(all::put);
        byte[] body = encode(all);
        // A checkpoint record clears the map, then puts every entry: count + 1 operations, the first a CHECKPOINT.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(all.size() + 1);
            out.writeByte(CHECKPOINT);
            out.write(body, 4, body.length - 4);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
