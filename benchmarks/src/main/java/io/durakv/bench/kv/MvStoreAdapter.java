package io.durakv.bench.kv;

import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ByteArrayDataType;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * H2 MVStore ({@code com.h2database:h2-mvstore}): one {@code MVMap<byte[], byte[]>} ordered by unsigned bytes,
 * compression off (its default), page cache set to the settings' budget, auto-commit off. NONE mode commits the
 * store (writes a chunk, no force) every {@code commitEvery} writes; SYNC mode commits and forces the file after
 * every write.
 */
final class MvStoreAdapter extends MapAdapter {

    /** byte[] keys in unsigned lexicographic order; MVStore's own byte-array type does not order keys. */
    static final class UnsignedBytes extends BasicDataType<byte[]> {
        static final UnsignedBytes INSTANCE = new UnsignedBytes();

        @Override
        public int compare(byte[] a, byte[] b) {
            return Arrays.compareUnsigned(a, b);
        }

        @Override
        public int getMemory(byte[] obj) {
            return ByteArrayDataType.INSTANCE.getMemory(obj);
        }

        @Override
        public void write(WriteBuffer buff, byte[] obj) {
            ByteArrayDataType.INSTANCE.write(buff, obj);
        }

        @Override
        public byte[] read(ByteBuffer buff) {
            return ByteArrayDataType.INSTANCE.read(buff);
        }

        @Override
        public byte[][] createStorage(int size) {
            return new byte[size][];
        }
    }

    private final MVStore store;
    private final MVMap<byte[], byte[]> map;

    MvStoreAdapter(Path dir, AdapterSettings settings) {
        this(new MVStore.Builder().fileName(dir.resolve("kvbench.mv.db").toString())
                .cacheSize((int) Math.max(1, settings.cacheBytes() >> 20)).autoCommitDisabled().open(), settings);
    }

    private MvStoreAdapter(MVStore store, AdapterSettings settings) {
        this(store, store.openMap("kvbench", new MVMap.Builder<byte[], byte[]>().keyType(UnsignedBytes.INSTANCE)
                .valueType(ByteArrayDataType.INSTANCE)), settings);
    }

    private MvStoreAdapter(MVStore store, MVMap<byte[], byte[]> map, AdapterSettings settings) {
        super(map, settings);
        this.store = store;
        this.map = map;
    }

    @Override
    void commit() {
        store.commit();
    }

    @Override
    public int scan(byte[] from, int limit, EntryVisitor visitor) {
        int n = 0;
        Cursor<byte[], byte[]> c = map.cursor(from);
        while (n < limit && c.hasNext()) {
            byte[] k = c.next();
            n++;
            if (!visitor.visit(k, c.getValue())) {
                break;
            }
        }
        return n;
    }

    @Override
    public void sync() {
        store.commit();
        store.sync();
    }

    @Override
    public void close() {
        store.commit();
        store.close();
    }
}
