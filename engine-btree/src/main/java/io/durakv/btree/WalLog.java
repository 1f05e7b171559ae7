package io.durakv.btree;

import io.durakv.api.StoreOptions;
import io.durakv.wal.RecordConsumer;
import io.durakv.wal.WalOptions;
import io.durakv.wal.WriteAheadLog;

import java.nio.file.Path;

/** The production {@link Log}: the shared {@link WriteAheadLog}. Thread-safe as the WAL is. */
final class WalLog implements Log {

    private final WriteAheadLog wal;

    private WalLog(WriteAheadLog wal) {
        this.wal = wal;
    }

    /** Opens the log in {@code dir} with the store's sync mode, batch interval and disk. */
    static Log open(Path dir, StoreOptions options, BTreeConfig config) {
        return new WalLog(WriteAheadLog.open(dir, WalOptions.builder()
                .syncMode(options.syncMode())
                .batchInterval(options.batchInterval())
                .segmentBytes(config.walSegmentBytes())
                .mappedWrites(config.walMappedWrites())
                .disk(options.disk())
                .build()));
    }

    @Override
    public long append(byte[] record) {
        return wal.append(record);
    }

    @Override
    public void sync() {
        wal.sync();
    }

    @Override
    public boolean isFailed() {
        return wal.isFailed();
    }

    @Override
    public void replay(long fromLsn, RecordConsumer consumer) {
        wal.replay(fromLsn, consumer);
    }

    @Override
    public void truncateBefore(long lsn) {
        wal.truncateBefore(lsn);
    }

    @Override
    public int maxRecordBytes() {
        return wal.maxRecordBytes();
    }

    @Override
    public long lastLsn() {
        return wal.lastLsn();
    }

    @Override
    public void close() {
        wal.close();
    }
}
