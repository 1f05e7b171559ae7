package io.durakv.api.testkit;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.StorageEngine;
import io.durakv.api.StoreException;
import io.durakv.api.StoreLockedException;
import io.durakv.api.StoreOptions;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.DiskLock;
import io.durakv.api.io.OpenMode;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A deliberately broken engine for {@link ProcessKillSuiteCatchesBrokenStoresTest}: it acknowledges
 * writes while their log records still sit in a user-space buffer, handed to the operating system only when 1 MiB has
 * gathered or at close — the bug the durability contract's "Process killed" paragraph forbids. A SIGKILL loses every
 * acknowledged write since the last hand-over. Not registered: the kill suite names it by class.
 *
 * <p>Thread-safe: one lock around everything.
 */
public final class UserSpaceBufferEngine implements StorageEngine {

    private static final int BUFFER_BYTES = 1 << 20;

    @Override
    public String name() {
        return "test-broken-userspace-buffer";
    }

    @Override
    public KeyValueStore open(Path dir, StoreOptions options) {
        try {
            options.disk().createDirectories(dir);
            DiskLock lock = options.disk().tryLock(dir.resolve("LOCK"));
            if (lock == null) {
                throw new StoreLockedException(dir + " is already open");
            }
            DiskFile log = options.disk().open(dir.resolve("buffered.log"), OpenMode.CREATE);
            return new Store(lock, log);
        } catch (IOException e) {
            throw new StoreException("cannot open " + dir, e);
        }
    }

    private static final class Store implements KeyValueStore {
        private final DiskLock lock;
        private final DiskFile log;
        private final NavigableMap<byte[], byte[]> map = new TreeMap<>(Arrays::compareUnsigned);
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private boolean closed;

        Store(DiskLock lock, DiskFile log) throws IOException {
            this.lock = lock;
            this.log = log;
            ByteBuffer all = ByteBuffer.allocate((int) log.size());
            log.readFully(0, all);
            all.flip();
            while (all.remaining() >= 4) {
                int n = all.getInt();
                if (n > all.remaining()) {
                    break;
                }
                byte[] record = new byte[n];
                all.get(record);
                apply(record);
            }
        }

        private void apply(byte[] record) {
            ByteBuffer b = ByteBuffer.wrap(record);
            while (b.hasRemaining()) {
                byte[] key = new byte[b.getInt()];
                b.get(key);
                int v = b.getInt();
                if (v < 0) {
                    map.remove(key);
                } else {
                    byte[] value = new byte[v];
                    b.get(value);
                    map.put(key, value);
                }
            }
        }

        private synchronized void log(List<WriteBatch.Op> ops) {
            if (closed) {
                throw new StoreException("closed");
            }
            ByteArrayOutputStream rec = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(rec)) {
                for (WriteBatch.Op op : ops) {
                    out.writeInt(op.key().length);
                    out.write(op.key());
                    out.writeInt(op.isDelete() ? -1 : op.value().length);
                    if (!op.isDelete()) {
                        out.write(op.value());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            byte[] r = rec.toByteArray();
            buffer.writeBytes(ByteBuffer.allocate(4).putInt(r.length).array());
            buffer.writeBytes(r);
            apply(r);
            if (buffer.size() >= BUFFER_BYTES) {
                handOver();
            }
        }

        private void handOver() {
            try {
                log.append(ByteBuffer.wrap(buffer.toByteArray()));
            } catch (IOException e) {
                throw new StoreException("write failed", e);
            }
            buffer.reset();
        }

        @Override
        public synchronized byte[] get(byte[] key) {
            byte[] v = map.get(key);
            return v == null ? null : v.clone();
        }

        @Override
        public void put(byte[] key, byte[] value) {
            log(List.of(new WriteBatch.Op(key.clone(), value.clone())));
        }

        @Override
        public void delete(byte[] key) {
            log(List.of(new WriteBatch.Op(key.clone(), null)));
        }

        @Override
        public void write(WriteBatch batch) {
            log(List.copyOf(batch.ops()));
        }

        @Override
        public synchronized KeyValueIterator scan(byte[] fromInclusive, byte[] toExclusive) {
            List<KeyValue> copy = new ArrayList<>();
            map.forEach((k, v) -> {
                if ((fromInclusive == null || Arrays.compareUnsigned(k, fromInclusive) >= 0)
                        && (toExclusive == null || Arrays.compareUnsigned(k, toExclusive) < 0)) {
                    copy.add(new KeyValue(k.clone(), v.clone()));
                }
            });
            java.util.Iterator<KeyValue> it = copy.iterator();
            return new KeyValueIterator() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public KeyValue next() {
                    return it.next();
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public synchronized void sync() {
            // The bug: sync forces what was handed over, not the buffer.
            try {
                log.force(false);
            } catch (IOException e) {
                throw new StoreException("force failed", e);
            }
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                handOver();
                log.force(true);
                log.close();
                lock.close();
            } catch (IOException e) {
                throw new StoreException("close failed", e);
            }
        }
    }
}
