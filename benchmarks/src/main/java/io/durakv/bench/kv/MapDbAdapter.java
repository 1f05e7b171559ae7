package io.durakv.bench.kv;

import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * MapDB ({@code org.mapdb:mapdb}): a memory-mapped file (its recommended setting; the default
 * {@code RandomAccessFile} volume was 6x slower on reads here) holding a {@code BTreeMap<byte[], byte[]>} (unsigned
 * byte order) with its
 * write-ahead log on ({@code transactionEnable}). NONE mode disables its file sync and commits every
 * {@code commitEvery} writes; SYNC mode commits (which forces) after every write. MapDB 3 has no page cache to
 * size: reads go through the OS page cache.
 */
final class MapDbAdapter extends MapAdapter {

    private final DB db;
    private final BTreeMap<byte[], byte[]> map;

    MapDbAdapter(Path dir, AdapterSettings settings) {
        this(make(dir, settings), settings);
    }

    private MapDbAdapter(DB db, AdapterSettings settings) {
        this(db, db.treeMap("kvbench", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).createOrOpen(), settings);
    }

    private MapDbAdapter(DB db, BTreeMap<byte[], byte[]> map, AdapterSettings settings) {
        super(map, settings);
        this.db = db;
        this.map = map;
    }

    private static DB make(Path dir, AdapterSettings settings) {
        DBMaker.Maker maker = DBMaker.fileDB(dir.resolve("kvbench.mapdb").toFile()).fileMmapEnableIfSupported()
                .transactionEnable();
        if (!settings.sync()) {
            maker = maker.fileSyncDisable();
        }
        return maker.make();
    }

    @Override
    void commit() {
        db.commit();
    }

    @Override
    public int scan(byte[] from, int limit, EntryVisitor visitor) {
        int n = 0;
        Map<byte[], byte[]> view = from == null ? map : map.tailMap(from, true);
        Iterator<Map.Entry<byte[], byte[]>> it = view.entrySet().iterator();
        while (n < limit && it.hasNext()) {
            Map.Entry<byte[], byte[]> e = it.next();
            n++;
            if (!visitor.visit(e.getKey(), e.getValue())) {
                break;
            }
        }
        return n;
    }

    /** Commits; forces only in SYNC mode (with file sync disabled for NONE, MapDB has no call that forces). */
    @Override
    public void sync() {
        db.commit();
    }

    @Override
    public void close() {
        db.commit();
        db.close();
    }
}
