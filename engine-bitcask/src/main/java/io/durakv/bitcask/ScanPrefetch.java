package io.durakv.bitcask;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.WriteBatch;
import io.durakv.wal.FramedFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the values of a run of a scan's keys in file order, in one sequential pass per data file instead of one
 * positional read per key (docs/formats/bitcask.md, "Scans"): the log's records through
 * {@code WriteAheadLog.replayWithPositions}, a merged data file's through {@link FramedFile#scan}. Both check every
 * frame's CRC32C as they read, as a point read does. A pass reads every record between the first and the last one
 * wanted, so it is used only where the wanted records are dense enough ({@link #DENSITY}); the caller reads the rest
 * one by one.
 *
 * <p>Stateless; each call allocates what one run needs.
 */
final class ScanPrefetch {

    /** Keys per run at most, and value bytes per run at most (the memory a scan holds ahead of its caller). */
    static final int MAX_KEYS = 1 << 17;
    static final long MAX_BYTES = 16L << 20;
    /** A pass is worth it when at least one record in this many of those it reads is wanted. */
    static final int DENSITY = 8;
    /**
     * Records a pass may read per positional read the scan made so far: a scan reads ahead only in proportion to
     * what it has already read one by one, so one that stops early (a few entries from a seek) never pays a pass.
     */
    static final int RECORDS_PER_POINT_READ = 32;
    /** Bits of a run index ({@link #MAX_KEYS}) packed below an LSN for sorting. */
    private static final int INDEX_BITS = 17;

    private ScanPrefetch() {
    }

    /** Ends a pass early once every wanted record was seen (neither reader has an upper bound to stop at). */
    private static final class Done extends RuntimeException {
        Done() {
            super("prefetch pass complete", null, false, false);
        }
    }

    /**
     * Fills {@code values[i - from]} for the keys {@code i} in {@code [from, to)} whose records lie in a data file
     * dense enough for one pass of at most {@code maxRecords} records; leaves the others null. The caller holds a
     * {@link Readers} registration from before the locations were read.
     *
     * @return whether any value was filled
     * @throws CorruptionException if a wanted record is damaged or does not put its key
     */
    static boolean fetch(BitcaskStore store, byte[][] keys, long[] lsns, long[] locations, int[] sizes, int from,
                         int to, long maxRecords, byte[][] values) {
        // One walk: the log's share of the run (count, LSN range) and each merge generation's (count, bytes).
        int inLog = 0;
        long first = Long.MAX_VALUE;
        long last = 0;
        Map<Long, long[]> merged = new HashMap<>();
        for (int i = from; i < to; i++) {
            long g = BitcaskFormat.generation(locations[i]);
            if (g == 0) {
                inLog++;
                first = Math.min(first, lsns[i]);
                last = Math.max(last, lsns[i]);
            } else {
                long[] c = merged.computeIfAbsent(g, k -> new long[2]);
                c[0]++;
                c[1] += sizes[i];
            }
        }
        boolean filled = false;
        try {
            if (inLog > 0) {
                filled = fromLog(store, keys, lsns, locations, from, to, inLog, first, last, maxRecords, values);
            }
            for (Map.Entry<Long, long[]> m : merged.entrySet()) {
                filled |= fromMerged(store, m.getKey(), (int) m.getValue()[0], m.getValue()[1], keys, lsns,
                        locations, from, to, maxRecords, values);
            }
            return filled;
        } catch (IOException e) {
            throw new StoreException("cannot read the data files of " + store.dir + " for a scan", e);
        }
    }

    /**
     * One replay of the log from the oldest wanted record ({@code first}) to the newest ({@code last}), if they are
     * dense enough.
     */
    private static boolean fromLog(BitcaskStore store, byte[][] keys, long[] lsns, long[] locations, int from,
                                   int to, int count, long first, long last, long maxRecords, byte[][] values) {
        long segment = store.segments.floor(first);
        // Replay starts at the first record of the oldest wanted record's segment.
        long passed = last - (segment < 0 ? first : segment) + 1;
        if (passed > (long) count * DENSITY || passed > maxRecords || last >= 1L << (63 - INDEX_BITS)) {
            return false;
        }
        // The wanted records in LSN order: LSN and index packed in one long, sorted as primitives.
        long[] order = new long[count];
        int n = 0;
        for (int i = from; i < to; i++) {
            if (BitcaskFormat.generation(locations[i]) == 0) {
                order[n++] = (lsns[i] << INDEX_BITS) | (i - from);
            }
        }
        Arrays.sort(order);
        Path file = store.dir.resolve(BitcaskFormat.DATA_DIR);
        int[] next = {0};
        try {
            store.wal.replayWithPositions(first, (position, record) -> {
                long lsn = position.lsn();
                if (lsn < order[next[0]] >>> INDEX_BITS) {
                    return;
                }
                List<WriteBatch.Op> ops = RecordReader.decode(record, file, position.offset(), lsn);
                while (next[0] < order.length && order[next[0]] >>> INDEX_BITS == lsn) {
                    int i = from + (int) (order[next[0]++] & ((1 << INDEX_BITS) - 1));
                    values[i - from] = RecordReader.valueIn(ops, keys[i], file, position.offset(), lsn);
                }
                if (next[0] == order.length) {
                    throw new Done();
                }
            });
        } catch (Done done) {
            return true;
        }
        throw new CorruptionException(file, 0, "the log ends before LSN " + (order[next[0]] >>> INDEX_BITS)
                + ", which the key directory points at");
    }

    /** One scan of merge generation {@code generation}'s data file, if the wanted records are dense enough in it. */
    private static boolean fromMerged(BitcaskStore store, long generation, int count, long wantedBytes,
                                      byte[][] keys, long[] lsns, long[] locations, int from, int to,
                                      long maxRecords, byte[][] values) throws IOException {
        Path file = store.dir.resolve(BitcaskFormat.mergeDataName(generation));
        long fileBytes;
        try (var f = store.disk.open(file, io.durakv.api.io.OpenMode.READ)) {
            fileBytes = f.size();
        }
        // Records in the file, estimated from the wanted ones' mean size.
        long records = fileBytes / Math.max(1, wantedBytes / count);
        if (wantedBytes * DENSITY < fileBytes || records > maxRecords) {
            return false;
        }
        Map<Long, Integer> byOffset = new HashMap<>(count * 2);
        for (int i = from; i < to; i++) {
            if (BitcaskFormat.generation(locations[i]) == generation) {
                byOffset.put(BitcaskFormat.offset(locations[i]), i);
            }
        }
        int[] found = {0};
        try {
            FramedFile.scan(store.disk, file, (seq, offset, payload) -> {
                Integer i = byOffset.get(offset);
                if (i != null) {
                    if (seq != lsns[i]) {
                        throw new CorruptionException(file, offset, "sequence number " + seq + " where LSN "
                                + lsns[i] + " was written");
                    }
                    values[i - from] = RecordReader.valueIn(payload, keys[i], file, offset, seq);
                    if (++found[0] == byOffset.size()) {
                        throw new Done();
                    }
                }
            });
        } catch (Done done) {
            return true;
        }
        throw new CorruptionException(file, fileBytes, "the merged data file ends before a record the key directory"
                + " points at");
    }
}
