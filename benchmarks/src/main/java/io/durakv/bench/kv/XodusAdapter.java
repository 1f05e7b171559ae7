package io.durakv.bench.kv;

import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.EnvironmentImpl;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.StoreConfig;
import jetbrains.exodus.env.Transaction;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Xodus ({@code org.jetbrains.xodus:xodus-environment}): a log-structured B+tree store without duplicates, memory
 * usage (its log cache) set to the settings' cache budget, durable writes (a force per commit) in SYNC mode only.
 * Writes go through one exclusive transaction per writing thread, committed every {@code commitEvery} writes in
 * NONE mode and every write in SYNC mode.
 */
final class XodusAdapter implements EngineAdapter {

    private final Environment env;
    private final Store store;
    private final ThreadTransactions<Transaction> writes;

    XodusAdapter(Path dir, AdapterSettings settings) {
        EnvironmentConfig config = new EnvironmentConfig().setLogDurableWrite(settings.sync())
                .setMemoryUsage(settings.cacheBytes()).setEnvCloseForcedly(true);
        env = Environments.newInstance(dir.toFile(), config);
        store = env.computeInTransaction(t -> env.openStore("kvbench", StoreConfig.WITHOUT_DUPLICATES, t));
        writes = new ThreadTransactions<>(new ThreadTransactions.Engine<>() {
            @Override
            public Transaction begin() {
                return env.beginExclusiveTransaction();
            }

            @Override
            public void commit(Transaction txn) {
                if (!txn.commit()) {
                    throw new IllegalStateException("Xodus refused to commit an exclusive transaction");
                }
            }
        }, settings);
    }

    private static byte[] bytes(ByteIterable b) {
        return Arrays.copyOf(b.getBytesUnsafe(), b.getLength());
    }

    @Override
    public void put(byte[] key, byte[] value) {
        store.put(writes.forWrite(), new ArrayByteIterable(key), new ArrayByteIterable(value));
        writes.wrote();
    }

    @Override
    public byte[] get(byte[] key) {
        Transaction open = writes.current();
        if (open != null) {
            ByteIterable v = store.get(open, new ArrayByteIterable(key));
            return v == null ? null : bytes(v);
        }
        Transaction txn = env.beginReadonlyTransaction();
        try {
            ByteIterable v = store.get(txn, new ArrayByteIterable(key));
            return v == null ? null : bytes(v);
        } finally {
            txn.abort();
        }
    }

    @Override
    public void delete(byte[] key) {
        store.delete(writes.forWrite(), new ArrayByteIterable(key));
        writes.wrote();
    }

    @Override
    public void write(List<byte[]> keys, List<byte[]> values) {
        Transaction txn = writes.forWrite();
        for (int i = 0; i < keys.size(); i++) {
            store.put(txn, new ArrayByteIterable(keys.get(i)), new ArrayByteIterable(values.get(i)));
        }
        writes.wrote();
    }

    @Override
    public int scan(byte[] from, int limit, EntryVisitor visitor) {
        Transaction open = writes.current();
        if (open != null) {
            return scan(open, from, limit, visitor);
        }
        Transaction txn = env.beginReadonlyTransaction();
        try {
            return scan(txn, from, limit, visitor);
        } finally {
            txn.abort();
        }
    }

    private int scan(Transaction txn, byte[] from, int limit, EntryVisitor visitor) {
        int n = 0;
        try (Cursor c = store.openCursor(txn)) {
            boolean found = from == null ? c.getNext() : c.getSearchKeyRange(new ArrayByteIterable(from)) != null;
            while (found && n < limit) {
                n++;
                found = visitor.visit(bytes(c.getKey()), bytes(c.getValue())) && c.getNext();
            }
        }
        return n;
    }

    @Override
    public void sync() {
        ((EnvironmentImpl) env).flushAndSync();
    }

    @Override
    public void endThread() {
        writes.endThread();
    }

    @Override
    public void close() {
        try {
            writes.checkAllEnded();
            sync();
        } finally {
            env.close();
        }
    }
}
