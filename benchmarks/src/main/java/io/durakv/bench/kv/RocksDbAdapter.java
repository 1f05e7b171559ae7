package io.durakv.bench.kv;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.nio.file.Path;
import java.util.List;

/**
 * RocksDB ({@code org.rocksdb:rocksdbjni}): compression off, an LRU block cache of the settings' budget, a 10-bit
 * bloom filter (the usual production setting; DuraKV's lsm has bloom filters too), the WAL on, and
 * {@code WriteOptions.sync} = SYNC mode. Everything else is RocksDB's default (64 MiB memtable, leveled compaction).
 */
final class RocksDbAdapter implements EngineAdapter {

    static {
        RocksDB.loadLibrary();
    }

    private final LRUCache cache;
    private final BloomFilter bloom;
    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;

    RocksDbAdapter(Path dir, AdapterSettings settings) {
        cache = new LRUCache(settings.cacheBytes());
        bloom = new BloomFilter(10);
        BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(bloom);
        options = new Options().setCreateIfMissing(true).setCompressionType(CompressionType.NO_COMPRESSION)
                .setBottommostCompressionType(CompressionType.NO_COMPRESSION).setTableFormatConfig(table);
        writeOptions = new WriteOptions().setSync(settings.sync()).setDisableWAL(false);
        try {
            db = RocksDB.open(options, dir.toString());
        } catch (RocksDBException e) {
            throw failure("open " + dir, e);
        }
    }

    @Override
    public void put(byte[] key, byte[] value) {
        try {
            db.put(writeOptions, key, value);
        } catch (RocksDBException e) {
            throw failure("put", e);
        }
    }

    @Override
    public byte[] get(byte[] key) {
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw failure("get", e);
        }
    }

    @Override
    public void delete(byte[] key) {
        try {
            db.delete(writeOptions, key);
        } catch (RocksDBException e) {
            throw failure("delete", e);
        }
    }

    @Override
    public void write(List<byte[]> keys, List<byte[]> values) {
        try (WriteBatch batch = new WriteBatch()) {
            for (int i = 0; i < keys.size(); i++) {
                batch.put(keys.get(i), values.get(i));
            }
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw failure("write", e);
        }
    }

    @Override
    public int scan(byte[] from, int limit, EntryVisitor visitor) {
        int n = 0;
        try (RocksIterator it = db.newIterator()) {
            if (from == null) {
                it.seekToFirst();
            } else {
                it.seek(from);
            }
            for (; n < limit && it.isValid(); it.next()) {
                n++;
                if (!visitor.visit(it.key(), it.value())) {
                    break;
                }
            }
        }
        return n;
    }

    @Override
    public void sync() {
        try {
            db.syncWal();
        } catch (RocksDBException e) {
            throw failure("syncWal", e);
        }
    }

    @Override
    public void close() {
        try {
            // Makes the unsynced WAL tail durable, as every other engine's close does.
            db.syncWal();
        } catch (RocksDBException e) {
            throw failure("close", e);
        } finally {
            db.close();
            writeOptions.close();
            options.close();
            bloom.close();
            cache.close();
        }
    }

    private static IllegalStateException failure(String what, RocksDBException e) {
        return new IllegalStateException("RocksDB " + what + " failed: " + e.getMessage(), e);
    }
}
