package io.durakv.bench.kv;

import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * LMDB through lmdbjava ({@code org.lmdbjava:lmdbjava}, which bundles the native library and needs
 * {@code --add-opens java.base/java.nio=ALL-UNNAMED}; the kvbench jar's manifest grants it). NONE mode opens the
 * environment with {@code MDB_NOSYNC} and commits every {@code commitEvery} writes per thread; SYNC commits (and so
 * forces) every write. {@code MDB_NOTLS} lets read transactions live beside a thread's open write transaction. LMDB
 * has no cache of its own: reads go through the OS page cache of its memory map (64 GiB, sparse).
 */
final class LmdbAdapter implements EngineAdapter {

    /** Address space reserved for the map; LMDB only grows the file to what it uses. */
    static final long MAP_BYTES = 64L << 30;

    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> db;
    private final ThreadTransactions<Txn<ByteBuffer>> writes;
    private final ThreadLocal<ByteBuffer> keyBuffer = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(511));
    private final ThreadLocal<ByteBuffer[]> valueBuffer = ThreadLocal.withInitial(() ->
            new ByteBuffer[] {ByteBuffer.allocateDirect(4096)});

    LmdbAdapter(Path dir, AdapterSettings settings) {
        EnvFlags[] flags = settings.sync() ? new EnvFlags[] {EnvFlags.MDB_NOTLS}
                : new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC};
        env = Env.create().setMapSize(MAP_BYTES).setMaxDbs(1).setMaxReaders(256).open(dir.toFile(), flags);
        db = env.openDbi("kvbench", DbiFlags.MDB_CREATE);
        writes = new ThreadTransactions<>(new ThreadTransactions.Engine<>() {
            @Override
            public Txn<ByteBuffer> begin() {
                return env.txnWrite();
            }

            @Override
            public void commit(Txn<ByteBuffer> txn) {
                try (txn) {
                    txn.commit();
                }
            }
        }, settings);
    }

    private ByteBuffer key(byte[] key) {
        ByteBuffer b = keyBuffer.get();
        b.clear();
        b.put(key).flip();
        return b;
    }

    private ByteBuffer value(byte[] value) {
        ByteBuffer[] holder = valueBuffer.get();
        if (holder[0].capacity() < value.length) {
            holder[0] = ByteBuffer.allocateDirect(Math.max(value.length, holder[0].capacity() * 2));
        }
        ByteBuffer b = holder[0];
        b.clear();
        b.put(value).flip();
        return b;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Override
    public void put(byte[] key, byte[] value) {
        db.put(writes.forWrite(), key(key), value(value));
        writes.wrote();
    }

    @Override
    public byte[] get(byte[] key) {
        Txn<ByteBuffer> open = writes.current();
        if (open != null) {
            ByteBuffer v = db.get(open, key(key));
            return v == null ? null : bytes(v);
        }
        try (Txn<ByteBuffer> txn = env.txnRead()) {
            ByteBuffer v = db.get(txn, key(key));
            return v == null ? null : bytes(v);
        }
    }

    @Override
    public void delete(byte[] key) {
        db.delete(writes.forWrite(), key(key));
        writes.wrote();
    }

    @Override
    public void write(List<byte[]> keys, List<byte[]> values) {
        Txn<ByteBuffer> txn = writes.forWrite();
        for (int i = 0; i < keys.size(); i++) {
            db.put(txn, key(keys.get(i)), value(values.get(i)));
        }
        writes.wrote();
    }

    @Override
    public int scan(byte[] from, int limit, EntryVisitor visitor) {
        Txn<ByteBuffer> open = writes.current();
        if (open != null) {
            return scan(open, from, limit, visitor);
        }
        try (Txn<ByteBuffer> txn = env.txnRead()) {
            return scan(txn, from, limit, visitor);
        }
    }

    private int scan(Txn<ByteBuffer> txn, byte[] from, int limit, EntryVisitor visitor) {
        int n = 0;
        try (Cursor<ByteBuffer> c = db.openCursor(txn)) {
            boolean found = from == null ? c.first() : c.get(key(from), GetOp.MDB_SET_RANGE);
            while (found && n < limit) {
                n++;
                found = visitor.visit(bytes(c.key()), bytes(c.val())) && c.next();
            }
        }
        return n;
    }

    @Override
    public void sync() {
        env.sync(true);
    }

    @Override
    public void endThread() {
        writes.endThread();
    }

    @Override
    public void close() {
        try {
            writes.checkAllEnded();
            // MDB_NOSYNC commits are not forced: make them durable before closing, as every engine's close does.
            env.sync(true);
        } finally {
            db.close();
            env.close();
        }
    }
}
