package io.durakv.btree;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.DiskLock;
import io.durakv.api.io.LocalDisk;
import io.durakv.api.io.OpenMode;
import io.durakv.api.tools.StoreInspector;
import io.durakv.wal.WalInspector;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static io.durakv.btree.BTreeFormat.*;

/**
 * The offline tools of the {@code "btree"} engine ({@link io.durakv.api.tools.DuraKvTool}), registered for
 * {@link java.util.ServiceLoader}. Read-only: the data file and the log are opened for reading through the local disk,
 * no recovery runs, and the store's lock is held while reading so that a running store cannot change the files
 * underneath.
 *
 * <ul>
 *   <li>{@code verify}: both header slots; the durable tree page by page with the checks of
 *       {@link BTreeStore#verify()} (checksums, page ids and generations, key order and ranges, equal leaf depth,
 *       overflow chains, key count, free list against reachable pages); every log segment frame by frame
 *       ({@link WalInspector}); that the log reaches the header's checkpoint LSN without a gap; and that every record
 *       after it decodes.</li>
 *   <li>{@code dump}: {@code btree.db} page by page, or one log segment record by record.</li>
 *   <li>{@code stats}: pages by kind, tree depth, live and free bytes, key count, log segments.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class BTreeInspector implements StoreInspector {

    /** Creates the inspector (for {@link java.util.ServiceLoader}). */
    public BTreeInspector() {
    }

    @Override
    public String engine() {
        return BTreeEngine.NAME;
    }

    @Override
    public boolean verify(Path dir, PrintStream report) throws IOException {
        Disk disk = LocalDisk.INSTANCE;
        DiskLock lock = DiskLock.lockForInspection(disk, dir, LOCK_FILE);
        try {
            Header header = null;
            boolean damaged = false;
            Path data = dir.resolve(DATA_FILE);
            if (!disk.exists(data)) {
                report.println("DAMAGE: " + data + " at offset 0: the data file is missing");
                damaged = true;
            } else {
                try (DiskFile f = disk.open(data, OpenMode.READ)) {
                    header = Recovery.newestHeader(f);
                    report.println("header: " + describe(header) + " in slot " + header.slot());
                    PageFile file = new PageFile(f, header.pageSize());
                    file.maxGeneration(header.generation());
                    Header other = file.readHeader(1 - header.slot());
                    if (other == null && header.generation() > 0) {
                        report.println("note: " + data + " at offset " + file.offset(1 - header.slot())
                                + ": the other header slot is not valid (torn, never written or damaged)");
                    }
                    verifyTree(file, header);
                    report.println("tree: " + header.keyCount() + " keys in " + header.pageCount()
                            + " pages, checksums and structure sound");
                } catch (CorruptionException e) {
                    report.println("DAMAGE: " + e.getMessage());
                    damaged = true;
                }
            }
            return verifyLog(disk, dir, header, report) && !damaged;
        } finally {
            lock.close();
        }
    }

    /** The durable tree, checked as {@link BTreeStore#verify()} checks it, with the in-memory tree read from disk. */
    private static void verifyTree(PageFile file, Header header) throws IOException {
        BufferPool pool = new BufferPool(file, BTreeConfig.DEFAULT_CACHE_BYTES);
        int[][] free = Recovery.readFreeList(file, header);
        FreeSpace space = new FreeSpace(header.pageCount(), free[0], free[1]);
        Node root = header.root() == 0 ? null : pool.node(header.root());
        new Verifier(file, pool, BTreeFormat.maxKeyBytes(file.pageSize()))
                .verify(header, space, root, header.keyCount());
    }

    private static boolean verifyLog(Disk disk, Path dir, Header header, PrintStream report) throws IOException {
        Path walDir = dir.resolve(WAL_DIR);
        long checkpointLsn = header == null ? 0 : header.checkpointLsn();
        if (!disk.isDirectory(walDir)) {
            if (checkpointLsn > 0) {
                report.println("DAMAGE: " + walDir + " at offset 0: the log directory is missing, the header's"
                        + " checkpoint LSN is " + checkpointLsn);
                return false;
            }
            report.println("note: no log directory (a new store)");
            return true;
        }
        WalInspector.Summary wal = WalInspector.verifyBatches(disk, walDir, checkpointLsn, report);
        boolean sound = !wal.damaged();
        report.println("log: " + wal.describe() + ", " + Math.max(0, wal.lastLsn() - checkpointLsn)
                + " after the checkpoint" + (wal.closedClean() ? ", closed cleanly" : ""));
        if (wal.segments() > 0 && wal.lastLsn() < checkpointLsn) {
            report.println("DAMAGE: " + walDir + " at offset 0: the log ends at LSN " + wal.lastLsn()
                    + ", before the checkpoint LSN " + checkpointLsn + " (forced records were lost)");
            sound = false;
        }
        if (wal.segments() > 0 && wal.firstLsn() > checkpointLsn + 1) {
            report.println("DAMAGE: " + walDir + " at offset 0: the log starts at LSN " + wal.firstLsn()
                    + ", records " + (checkpointLsn + 1) + " to " + (wal.firstLsn() - 1)
                    + " after the checkpoint are missing");
            sound = false;
        }
        return sound;
    }

    @Override
    public void dump(Path file, PrintStream out) throws IOException {
        Disk disk = LocalDisk.INSTANCE;
        if (WalInspector.isSegment(file)) {
            WalInspector.dump(disk, file, WalInspector::describeBatch, out);
            return;
        }
        if (!file.getFileName().toString().equals(DATA_FILE)) {
            throw new IllegalArgumentException(file + " is neither " + DATA_FILE + " nor a log segment");
        }
        try (DiskFile f = disk.open(file, OpenMode.READ)) {
            Header header = Recovery.newestHeader(f);
            PageFile pages = new PageFile(f, header.pageSize());
            pages.maxGeneration(header.generation());
            out.println(file + ": " + f.size() + " bytes, " + header.pageSize() + "-byte pages");
            for (int slot = 0; slot < HEADER_SLOTS; slot++) {
                Header h = pages.readHeader(slot);
                out.println("page " + slot + ": header slot " + slot + ": "
                        + (h == null ? "not valid (torn, never written or damaged)" : describe(h))
                        + (h != null && h.equals(header) ? " [newest]" : ""));
            }
            long pageCount = Math.max(header.pageCount(), f.size() / header.pageSize());
            for (int id = FIRST_DATA_PAGE; id < pageCount; id++) {
                out.println("page " + id + ": " + describePage(pages, id, header));
            }
        }
    }

    private static String describePage(PageFile pages, int id, Header header) throws IOException {
        ByteBuffer raw = ByteBuffer.allocate(pages.pageSize());
        if (pages.raw().read(pages.offset(id), raw) < pages.pageSize()) {
            return "cut off by the end of the file";
        }
        byte type = raw.get(P_TYPE);
        if (id >= header.pageCount()) {
            return "beyond the header's page count (unused)";
        }
        try {
            ByteBuffer page = pages.read(id, type == TYPE_LEAF || type == TYPE_INTERNAL ? PageFile.ANY_NODE : type);
            String head = typeName(type) + ", generation " + page.getLong(P_GENERATION);
            return switch (type) {
                case TYPE_LEAF, TYPE_INTERNAL -> {
                    Node n = PageCodec.decodeNode(page, id, pages.pageSize(), pages.path(), pages.offset(id));
                    StringBuilder s = new StringBuilder(head).append(", ").append(n.keyCount()).append(" keys:");
                    for (int i = 0; i < n.slotCount(); i++) {
                        if (n.isLeaf()) {
                            Object v = n.slot(i);
                            s.append("\n    ").append(text(n.key(i))).append(" = ").append(v instanceof OverflowRef r
                                    ? r.length() + " B in overflow chain from page " + r.firstPage()
                                    : ((byte[]) v).length + " B inline");
                        } else {
                            s.append("\n    child page ").append(n.slot(i));
                            if (i < n.keyCount()) {
                                s.append("\n    key ").append(text(n.key(i)));
                            }
                        }
                    }
                    yield s.toString();
                }
                case TYPE_OVERFLOW -> head + ", " + Short.toUnsignedInt(page.getShort(P_COUNT)) + " value bytes, next "
                        + PageCodec.link(page);
                case TYPE_FREE_LIST -> head + ", " + Short.toUnsignedInt(page.getShort(P_COUNT))
                        + " free page ids, next " + PageCodec.link(page);
                default -> head;
            };
        } catch (CorruptionException e) {
            return "not a valid page here (free, never written, or damaged): " + e.getMessage();
        }
    }

    @Override
    public void stats(Path dir, PrintStream out) throws IOException {
        Disk disk = LocalDisk.INSTANCE;
        DiskLock lock = DiskLock.lockForInspection(disk, dir, LOCK_FILE);
        try (DiskFile f = disk.open(dir.resolve(DATA_FILE), OpenMode.READ)) {
            Header header = Recovery.newestHeader(f);
            PageFile file = new PageFile(f, header.pageSize());
            file.maxGeneration(header.generation());
            int[][] free = Recovery.readFreeList(file, header);
            long[] counts = new long[6]; // leaves, internal, overflow, depth, inline value bytes + keys, overflow bytes
            if (header.root() != 0) {
                walk(file, header.root(), 1, counts);
            }
            long pageSize = header.pageSize();
            long reachable = counts[0] + counts[1] + counts[2];
            out.println("engine: btree, directory " + dir);
            out.println("data file: " + f.size() + " bytes, " + header.pageCount() + " pages of " + pageSize
                    + " bytes, generation " + header.generation() + ", checkpoint LSN " + header.checkpointLsn());
            out.println("tree: " + header.keyCount() + " keys, depth " + counts[3] + ", " + counts[0] + " leaf, "
                    + counts[1] + " internal, " + counts[2] + " overflow pages");
            out.println("live: " + reachable * pageSize + " bytes in reachable pages, " + (counts[4] + counts[5])
                    + " bytes of keys and values");
            out.println("dead: " + (long) free[0].length * pageSize + " bytes in " + free[0].length + " free pages, "
                    + (long) free[1].length * pageSize + " bytes in " + free[1].length + " free-list pages");
            Path walDir = dir.resolve(WAL_DIR);
            if (disk.isDirectory(walDir)) {
                long[] pending = {0, 0};
                WalInspector.Summary wal = WalInspector.verify(disk, walDir, (lsn, record) -> {
                    if (lsn > header.checkpointLsn()) {
                        pending[0]++;
                        pending[1] += record.length;
                    }
                }, new PrintStream(PrintStream.nullOutputStream()));
                out.println("log: " + wal.describe() + "; " + pending[0] + " records (" + pending[1]
                        + " bytes) after the checkpoint, replayed on open");
            }
        } finally {
            lock.close();
        }
    }

    /** Counts the pages of the subtree at {@code id}: see {@link #stats}'s counters. */
    private static void walk(PageFile file, int id, int depth, long[] counts) throws IOException {
        Node n = PageCodec.decodeNode(file.read(id, PageFile.ANY_NODE), id, file.pageSize(), file.path(),
                file.offset(id));
        counts[3] = Math.max(counts[3], depth);
        if (n.isLeaf()) {
            counts[0]++;
            for (int i = 0; i < n.slotCount(); i++) {
                counts[4] += n.key(i).length;
                if (n.slot(i) instanceof OverflowRef r) {
                    counts[2] += (r.length() + overflowCapacity(file.pageSize()) - 1) / overflowCapacity(file.pageSize());
                    counts[5] += r.length();
                } else {
                    counts[4] += ((byte[]) n.slot(i)).length;
                }
            }
            return;
        }
        counts[1]++;
        for (int i = 0; i < n.slotCount(); i++) {
            walk(file, (Integer) n.slot(i), depth + 1, counts);
        }
    }

    private static String describe(Header h) {
        return "generation " + h.generation() + ", checkpoint LSN " + h.checkpointLsn() + ", root page " + h.root()
                + ", " + h.pageCount() + " pages, " + h.freeCount() + " free, " + h.keyCount() + " keys";
    }

    /** @return a key as text when it is printable ASCII, else as hex; long keys shortened */
    static String text(byte[] key) {
        return WalInspector.text(key);
    }
}
