package io.durakv.bench.kv;

import org.iq80.leveldb.CompressionType;
import org.iq80.leveldb.DB;
import org.iq80.leveldb.DBIterator;
import org.iq80.leveldb.Options;
import org.iq80.leveldb.WriteBatch;
import org.iq80.leveldb.WriteOptions;
import org.iq80.leveldb.impl.Iq80DBFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * LevelDB in pure Java ({@code org.iq80.leveldb:leveldb}): compression off, a block cache of the settings' budget,
 * its log always on, {@code WriteOptions.sync} = SYNC mode; other options at their defaults (4 MiB write buffer).
 */
final class LevelDbAdapter implements EngineAdapter {

    /** Longer than any benchmark key prefix could make it collide: starts with 0xFF, which keys never do. */
    private static final byte[] SYNC_MARKER = {(byte) 0xFF, 'k', 'v', 'b', 'e', 'n', 'c', 'h', '-', 's', 'y', 'n', 'c'};

    private final DB db;
    private final WriteOptions writeOptions;

    LevelDbAdapter(Path dir, AdapterSettings settings) {
        Options options = new Options().createIfMissing(true).compressionType(CompressionType.NONE)
                .cacheSize(settings.cacheBytes());
        writeOptions = new WriteOptions().sync(settings.sync());
        try {
            db = Iq80DBFactory.factory.open(dir.toFile(), options);
        } catch (IOException e) {
            throw new UncheckedIOException("LevelDB open " + dir + " failed: " + e, e);
        }
    }

    @Override
    public void put(byte[] key, byte[] value) {
        db.put(key, value, writeOptions);
    }

    @Override
    public byte[] get(byte[] key) {
        return db.get(key);
    }

    @Override
    public void delete(byte[] key) {
        db.delete(key, writeOptions);
    }

    @Override
    public void write(List<byte[]> keys, List<byte[]> values) {
        try (WriteBatch batch = db.createWriteBatch()) {
            for (int i = 0; i < keys.size(); i++) {
                batch.put(keys.get(i), values.get(i));
            }
            db.write(batch, writeOptions);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public int scan(byte[] from, int limit, EntryVisitor visitor) {
        int n = 0;
        try (DBIterator it = db.iterator()) {
            if (from == null) {
                it.seekToFirst();
            } else {
                it.seek(from);
            }
            while (n < limit && it.hasNext()) {
                Map.Entry<byte[], byte[]> e = it.next();
                n++;
                if (!visitor.visit(e.getKey(), e.getValue())) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }

    @Override
    public void sync() {
        // iq80 LevelDB has no sync call and skips an empty batch without touching its log: a synced delete of a
        // key outside kvbench's key space forces the log (and with it every earlier write) and changes nothing.
        db.delete(SYNC_MARKER, new WriteOptions().sync(true));
    }

    @Override
    public void close() {
        try {
            sync();
            db.close();
        } catch (IOException e) {
            throw new UncheckedIOException("LevelDB close failed: " + e, e);
        }
    }
}
