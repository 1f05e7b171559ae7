package io.durakv.bitcask;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.DiskLock;
import io.durakv.api.io.LocalDisk;
import io.durakv.api.io.OpenMode;
import io.durakv.api.tools.StoreInspector;
import io.durakv.wal.BatchRecord;
import io.durakv.wal.FramedFile;
import io.durakv.wal.WalInspector;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The offline tools of the {@code "bitcask"} engine ({@link io.durakv.api.tools.DuraKvTool}), registered for
 * {@link java.util.ServiceLoader}. Read-only: no recovery runs (nothing is truncated, no hint rewritten, no stale merge
 * file deleted) and the store's lock is held while reading.
 *
 * <ul>
 *   <li>{@code verify}: the {@code MERGE} manifest ({@link Manifest#read}); every merge data and hint file and every
 *       segment hint file frame by frame ({@link FramedFile#scan}) with its identity frame, and every merged record a
 *       single put before the manifest's LSN; every data segment frame by frame ({@link WalInspector}), its records
 *       decoding as batches, and the log reaching the manifest's LSN.</li>
 *   <li>{@code dump}: {@code MERGE}, a merge data or hint file, a segment hint file, or a data segment.</li>
 *   <li>{@code stats}: files and sizes, the key count and live / dead bytes from replaying the merged data file and
 *       the log into a key map (the store's own open does the same).</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class BitcaskInspector implements StoreInspector {

    /** Creates the inspector (for {@link java.util.ServiceLoader}). */
    public BitcaskInspector() {
    }

    @Override
    public String engine() {
        return BitcaskEngine.NAME;
    }

    @Override
    public boolean verify(Path dir, PrintStream report) throws IOException {
        Disk disk = LocalDisk.INSTANCE;
        try (DiskLock lock = DiskLock.lockForInspection(disk, dir, BitcaskFormat.LOCK_FILE)) {
            boolean sound = true;
            Manifest manifest;
            try {
                manifest = Manifest.read(disk, dir);
                report.println("manifest: merge generation " + manifest.generation() + ", merged before LSN "
                        + manifest.mergedBefore());
            } catch (CorruptionException e) {
                report.println("DAMAGE: " + e.getMessage());
                manifest = null;
                sound = false;
            }
            for (String name : disk.list(dir)) {
                Path file = dir.resolve(name);
                long generation = BitcaskFormat.parseMergeName(name);
                long segment = BitcaskFormat.parseSegmentHintName(name);
                if (name.equals(BitcaskFormat.MANIFEST_TMP)) {
                    report.println("note: " + file + " is left by an interrupted merge; open deletes it");
                } else if (generation >= 0 && manifest != null && generation != manifest.generation()) {
                    report.println("note: " + file + " belongs to merge generation " + generation + ", not the"
                            + " current one (an interrupted or replaced merge); open deletes it");
                } else if (generation >= 0 || segment >= 0) {
                    try {
                        long frames = scan(disk, file, manifest, null);
                        report.println(name + ": " + frames + " frames, sound");
                    } catch (CorruptionException e) {
                        report.println("DAMAGE: " + e.getMessage());
                        sound = false;
                    }
                }
            }
            return verifyLog(disk, dir, manifest, report) && sound;
        }
    }

    private static boolean verifyLog(Disk disk, Path dir, Manifest manifest, PrintStream report) throws IOException {
        Path dataDir = dir.resolve(BitcaskFormat.DATA_DIR);
        long mergedBefore = manifest == null ? 1 : manifest.mergedBefore();
        if (!disk.isDirectory(dataDir)) {
            report.println("note: no data directory (a new store)");
            return mergedBefore <= 1;
        }
        WalInspector.Summary wal = WalInspector.verifyBatches(disk, dataDir, mergedBefore - 1, report);
        report.println("data: " + wal.describe() + (wal.closedClean() ? ", closed cleanly" : ""));
        if (manifest != null && wal.segments() > 0
                && (wal.firstLsn() > mergedBefore || wal.lastLsn() + 1 < mergedBefore)) {
            report.println("DAMAGE: " + dataDir + " at offset 0: the log holds LSNs " + wal.firstLsn() + " to "
                    + wal.lastLsn() + " but the merge manifest covers only the records before " + mergedBefore);
            return false;
        }
        return !wal.damaged();
    }

    /** Receives the records of a merge data file. */
    @FunctionalInterface
    private interface MergedRecord {
        void accept(long lsn, long offset, WriteBatch.Op put);
    }

    /**
     * Scans a merge data or hint file or a segment hint file whole: its identity frame, and for a merge data file
     * every record a single put before the manifest's LSN (handed to {@code records} if not null).
     *
     * @return the frames read
     * @throws CorruptionException at the first damage, naming the file and offset
     */
    private static long scan(Disk disk, Path file, Manifest manifest, MergedRecord records) throws IOException {
        String name = file.getFileName().toString();
        long generation = BitcaskFormat.parseMergeName(name);
        boolean mergeData = generation >= 0 && name.endsWith(".data");
        byte kind = generation < 0 ? BitcaskFormat.KIND_SEGMENT_HINT
                : mergeData ? BitcaskFormat.KIND_MERGE_DATA : BitcaskFormat.KIND_MERGE_HINT;
        long id = generation >= 0 ? generation : BitcaskFormat.parseSegmentHintName(name);
        long before = manifest == null ? Long.MAX_VALUE : manifest.mergedBefore();
        long[] frames = {0};
        FramedFile.scan(disk, file, (seq, offset, payload) -> {
            if (frames[0]++ == 0) {
                BitcaskFormat.checkIdentity(payload, file, offset, kind, id);
                return;
            }
            if (mergeData) {
                List<WriteBatch.Op> ops;
                try {
                    ops = BatchRecord.decode(payload);
                } catch (IllegalArgumentException e) {
                    throw new CorruptionException(file, offset, "bad merged record: " + e.getMessage());
                }
                if (ops.size() != 1 || ops.get(0).isDelete() || seq >= before) {
                    throw new CorruptionException(file, offset, "a merged record must be one put before LSN "
                            + before);
                }
                if (records != null) {
                    records.accept(seq, offset, ops.get(0));
                }
            }
        });
        if (frames[0] == 0) {
            throw new CorruptionException(file, 0, "no identity frame");
        }
        return frames[0];
    }

    @Override
    public void dump(Path file, PrintStream out) throws IOException {
        Disk disk = LocalDisk.INSTANCE;
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        if (WalInspector.isSegment(file)) {
            WalInspector.dump(disk, file, WalInspector::describeBatch, out);
            return;
        }
        if (name.equals(BitcaskFormat.MANIFEST)) {
            Path dir = file.toAbsolutePath().getParent();
            Manifest m = Manifest.read(disk, dir);
            out.println(file + ": merge generation " + m.generation() + ", merged before LSN " + m.mergedBefore());
            return;
        }
        boolean mergeData = BitcaskFormat.parseMergeName(name) >= 0 && name.endsWith(".data");
        if (BitcaskFormat.parseMergeName(name) < 0 && BitcaskFormat.parseSegmentHintName(name) < 0) {
            throw new IllegalArgumentException(file + " is neither MERGE, a merge data or hint file, a segment hint"
                    + " file, nor a data segment");
        }
        out.println(file + ": " + size(disk, file) + " bytes");
        boolean[] first = {true};
        try {
            FramedFile.scan(disk, file, (seq, offset, payload) -> {
                String what;
                if (first[0]) {
                    first[0] = false;
                    what = "identity, " + payload.length + " B";
                } else {
                    what = payload.length + " B" + (mergeData ? ": " + WalInspector.describeBatch(payload) : " of hints");
                }
                out.println("  @" + offset + " #" + seq + " " + what);
            });
            out.println("  end marker: the file is complete");
        } catch (CorruptionException e) {
            out.println("  first damage: " + e.getMessage());
            throw e;
        }
    }

    @Override
    public void stats(Path dir, PrintStream out) throws IOException {
        Disk disk = LocalDisk.INSTANCE;
        try (DiskLock lock = DiskLock.lockForInspection(disk, dir, BitcaskFormat.LOCK_FILE)) {
            Manifest manifest = Manifest.read(disk, dir);
            out.println("engine: bitcask, directory " + dir);
            out.println("merge: generation " + manifest.generation() + ", merged before LSN "
                    + manifest.mergedBefore());
            // Key -> bytes of its live put (key + value), as the key directory would hold after open.
            Map<ByteBuffer, Long> live = new HashMap<>();
            long total = 0;
            int files = 0;
            if (manifest.generation() > 0) {
                Path data = dir.resolve(BitcaskFormat.mergeDataName(manifest.generation()));
                long size = size(disk, data);
                total += size;
                files++;
                long[] records = {0};
                scan(disk, data, manifest, (lsn, offset, put) -> {
                    live.put(ByteBuffer.wrap(put.key()), (long) put.key().length + put.value().length);
                    records[0]++;
                });
                out.println("merge data: " + data.getFileName() + ", " + size + " bytes, " + records[0]
                        + " records");
            }
            Path dataDir = dir.resolve(BitcaskFormat.DATA_DIR);
            if (disk.isDirectory(dataDir)) {
                WalInspector.Summary wal = WalInspector.verify(disk, dataDir, (lsn, record) -> {
                    if (lsn < manifest.mergedBefore()) {
                        return;
                    }
                    for (WriteBatch.Op op : BatchRecord.decode(record)) {
                        if (op.isDelete()) {
                            live.remove(ByteBuffer.wrap(op.key()));
                        } else {
                            live.put(ByteBuffer.wrap(op.key()), (long) op.key().length + op.value().length);
                        }
                    }
                }, new PrintStream(PrintStream.nullOutputStream()));
                total += wal.bytes();
                files += wal.segments();
                out.println("data segments: " + wal.describe());
            }
            long liveBytes = live.values().stream().mapToLong(Long::longValue).sum();
            out.println("files: " + files + " data files, " + total + " bytes");
            out.println("keys: " + live.size() + ", live " + liveBytes + " bytes of keys and values, dead (or"
                    + " framing) " + (total - liveBytes) + " bytes");
        } catch (IllegalArgumentException e) {
            throw new StoreException("a data record of " + dir + " does not decode: " + e.getMessage(), e);
        }
    }

    private static long size(Disk disk, Path file) throws IOException {
        try (DiskFile f = disk.open(file, OpenMode.READ)) {
            return f.size();
        }
    }
}
