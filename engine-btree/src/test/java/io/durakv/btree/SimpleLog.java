package io.durakv.btree;

import io.durakv.api.StoreException;
import io.durakv.api.StoreOptions;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.wal.RecordConsumer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A minimal, obviously correct log for the engine's own tests, so that the tree and its checkpoint protocol can be
 * crash-tested independently of the shared WAL: one file, every append forced before it returns (which keeps every
 * sync mode's promise), records {@code [u32 length][u32 crc32c][u64 lsn][payload]}, a torn tail cut on open, nothing
 * ever truncated at the front. Not for production.
 */
final class SimpleLog implements Log {

    private static final int HEADER = 16;

    private final DiskFile file;
    private long end;
    private long lastLsn;
    private boolean failed;

    private SimpleLog(DiskFile file) {
        this.file = file;
    }

    static Log open(Path dir, StoreOptions options, BTreeConfig config) {
        Disk disk = options.disk();
        try {
            disk.createDirectories(dir);
            Path path = dir.resolve("log");
            boolean existed = disk.exists(path);
            SimpleLog log = new SimpleLog(disk.open(path, OpenMode.CREATE));
            if (!existed) {
                disk.forceDirectory(dir);
            }
            log.scan(null, 0);
            log.file.truncate(log.end);
            log.file.force(true);
            return log;
        } catch (IOException e) {
            throw new StoreException("cannot open the simple log in " + dir, e);
        }
    }

    /** Reads valid records from the start, stopping at the first invalid one; sets {@code end} and the last LSN. */
    private void scan(RecordConsumer consumer, long fromLsn) throws IOException {
        long pos = 0;
        long lsn = 0;
        long size = file.size();
        while (pos + HEADER <= size) {
            ByteBuffer h = ByteBuffer.allocate(HEADER);
            file.readFully(pos, h);
            int len = h.getInt(0);
            if (len < 0 || pos + HEADER + len > size) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(len);
            file.readFully(pos + HEADER, payload);
            long recordLsn = h.getLong(8);
            if (h.getInt(4) != crc(recordLsn, payload.array()) || recordLsn != lsn + 1) {
                break;
            }
            lsn = recordLsn;
            if (consumer != null && lsn >= fromLsn) {
                consumer.accept(lsn, payload.array());
            }
            pos += HEADER + len;
        }
        end = pos;
        lastLsn = lsn;
    }

    private static int crc(long lsn, byte[] payload) {
        CRC32C c = new CRC32C();
        c.update(ByteBuffer.allocate(8).putLong(0, lsn));
        c.update(payload);
        return (int) c.getValue();
    }

    @Override
    public synchronized long append(byte[] record) {
        if (failed) {
            throw new StoreException("simple log failed earlier");
        }
        long lsn = lastLsn + 1;
        ByteBuffer b = ByteBuffer.allocate(HEADER + record.length);
        b.putInt(record.length).putInt(crc(lsn, record)).putLong(lsn).put(record).flip();
        try {
            file.write(end, b);
            file.force(false);
        } catch (IOException e) {
            failed = true;
            throw new StoreException("simple log append failed", e);
        }
        end += HEADER + record.length;
        lastLsn = lsn;
        return lsn;
    }

    @Override
    public synchronized boolean isFailed() {
        return failed;
    }

    @Override
    public synchronized void sync() {
        if (failed) {
            throw new StoreException("simple log failed earlier");
        }
    }

    @Override
    public synchronized void replay(long fromLsn, RecordConsumer consumer) {
        try {
            scan(consumer, fromLsn);
        } catch (IOException e) {
            throw new StoreException("simple log replay failed", e);
        }
    }

    @Override
    public void truncateBefore(long lsn) {
        // Keeps everything: replay skips what the tree holds.
    }

    @Override
    public int maxRecordBytes() {
        return Integer.MAX_VALUE - HEADER;
    }

    @Override
    public synchronized long lastLsn() {
        return lastLsn;
    }

    @Override
    public synchronized void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new StoreException("simple log close failed", e);
        }
    }
}
