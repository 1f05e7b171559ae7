package io.durakv.btree;

import io.durakv.wal.BatchRecord;
import io.durakv.api.CorruptionException;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.ObjLongConsumer;

import static io.durakv.btree.BTreeFormat.*;

/**
 * Finding the durable tree on open: creating the data file of a new store atomically, choosing the newest valid
 * header slot, and reading the free list. Replaying the log on top is the store's part ({@link BTreeStore}).
 * Recovery never writes to the data file, so a crash during recovery leaves the file as it found it.
 *
 * <p>Stateless.
 */
final class Recovery {

    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private Recovery() {
    }

    /**
     * Creates the data file of a new store if there is none. It is prepared under a temporary name, forced, then
     * renamed and the directory forced, so that {@code btree.db} either does not exist or holds a valid header: a
     * data file without a valid header is then always damage, never an interrupted creation.
     *
     * @throws CorruptionException if the data file is missing although the log exists (it was deleted)
     */
    static void createIfAbsent(Disk disk, Path dir, int pageSize) throws IOException {
        Path data = dir.resolve(DATA_FILE);
        Path tmp = dir.resolve(DATA_FILE_TMP);
        // A leftover of a creation that crashed before its rename; it never held data.
        disk.deleteIfExists(tmp);
        if (disk.exists(data)) {
            return;
        }
        if (disk.exists(dir.resolve(WAL_DIR))) {
            throw new CorruptionException(data, 0, "data file missing although the log directory exists");
        }
        try (DiskFile f = disk.open(tmp, OpenMode.CREATE_NEW)) {
            ByteBuffer empty = ByteBuffer.allocate(pageSize);
            f.write(0, Header.initial(pageSize).encode());
            f.write(pageSize, empty); // slot 1: zeros, not a valid header
            // The header must be durable before the name: the rename below publishes the file.
            f.force(true);
        }
        disk.rename(tmp, data);
        // The new name is durable before the log directory is created next to it (see the check above).
        disk.forceDirectory(dir);
        LOG.info("created {} with {}-byte pages", data, pageSize);
    }

    /** The open data file and its newest valid header. */
    record DataFile(PageFile file, Header header) {
    }

    /**
     * Opens the data file (which {@link #createIfAbsent} made sure exists) with the page size of its newest header.
     *
     * @throws CorruptionException if neither header slot is valid
     */
    static DataFile openDataFile(Disk disk, Path dir) throws IOException {
        DiskFile data = disk.open(dir.resolve(DATA_FILE), OpenMode.READ_WRITE);
        try {
            Header header = newestHeader(data);
            PageFile file = new PageFile(data, header.pageSize());
            file.maxGeneration(header.generation());
            return new DataFile(file, header);
        } catch (IOException | RuntimeException e) {
            Closeables.closeAfterFailure(data, e);
            throw e;
        }
    }

    /**
     * Reads both header slots and returns the valid one with the higher generation. The page size is read from slot
     * 0; if slot 0 is invalid, slot 1 is looked for at every possible page size. A single invalid slot is a torn or
     * never-written header and is ignored.
     *
     * @throws CorruptionException if neither slot holds a valid header
     */
    static Header newestHeader(DiskFile file) throws IOException {
        Header slot0 = null;
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
        if (file.read(0, b) == HEADER_BYTES) {
            Header h = Header.decode(b.flip());
            slot0 = h != null && h.slot() == 0 ? h : null;
        }
        Header slot1 = null;
        if (slot0 != null) {
            slot1 = PageFile.readHeader(file, 1, slot0.pageSize());
        } else {
            for (int size = MIN_PAGE_SIZE; size <= MAX_PAGE_SIZE && slot1 == null; size <<= 1) {
                slot1 = PageFile.readHeader(file, 1, size);
            }
        }
        if (slot0 == null && slot1 == null) {
            throw new CorruptionException(file.path(), 0, "no valid header slot");
        }
        Header newest = slot1 == null || (slot0 != null && slot0.generation() > slot1.generation()) ? slot0 : slot1;
        Header other = newest == slot0 ? slot1 : slot0;
        if (other == null && newest.generation() > 0) {
            LOG.warn("{}: header slot {} is invalid (torn or never written); using slot {} (generation {})",
                    file.path(), 1 - newest.slot(), newest.slot(), newest.generation());
        }
        return newest;
    }

    /**
     * Reads the free list of {@code header}.
     *
     * @return {@code [freeIds, listPages]}
     * @throws CorruptionException if a page fails its checks or the list disagrees with the header
     */
    static int[][] readFreeList(PageFile file, Header header) throws IOException {
        int[] ids = new int[header.freeCount()];
        int n = 0;
        int[] pages = new int[0];
        int per = freeListCapacity(file.pageSize());
        for (int id = header.freeListHead(); id != 0; ) {
            if (pages.length >= header.pageCount()) {
                throw new CorruptionException(file.path(), file.offset(id), "free list has a cycle");
            }
            pages = Arrays.copyOf(pages, pages.length + 1);
            pages[pages.length - 1] = id;
            ByteBuffer page = file.read(id, TYPE_FREE_LIST);
            int count = PageCodec.count(page, per, file.path(), file.offset(id));
            if (n + count > ids.length) {
                throw new CorruptionException(file.path(), file.offset(id), "free list holds more than the header's "
                        + ids.length + " page ids");
            }
            for (int i = 0; i < count; i++) {
                int free = page.getInt(PAGE_HEADER + 4 * i);
                if (free < FIRST_DATA_PAGE || free >= header.pageCount()) {
                    throw new CorruptionException(file.path(), file.offset(id) + PAGE_HEADER + 4L * i,
                            "free page id " + free + " outside the file's " + header.pageCount() + " pages");
                }
                ids[n++] = free;
            }
            id = PageCodec.link(page);
        }
        if (n != ids.length) {
            throw new CorruptionException(file.path(), 0, "free list holds " + n + " page ids, the header says "
                    + ids.length);
        }
        return new int[][]{ids, pages};
    }

    /**
     * Replays the log records after {@code checkpointLsn} into the tree through {@code apply}, in LSN order.
     *
     * @return {@code [records, bytes]} replayed
     * @throws CorruptionException if the log ends before {@code checkpointLsn} (every checkpoint forces the log up
     *                             to its LSN before its header is written, so forced records were lost), if LSNs
     *                             after it have a gap, or if a record is not a B+tree record
     */
    static long[] replay(Log wal, long checkpointLsn, Path walDir, Path dataFile,
                         ObjLongConsumer<List<WriteBatch.Op>> apply) {
        if (wal.lastLsn() < checkpointLsn) {
            throw new CorruptionException(walDir, 0, "the log ends at LSN " + wal.lastLsn()
                    + ", before the checkpoint LSN " + checkpointLsn + " of " + dataFile);
        }
        long[] replayed = new long[2];
        long[] expected = {checkpointLsn + 1};
        wal.replay(checkpointLsn + 1, (lsn, record) -> {
            if (lsn < expected[0]) {
                return;
            }
            if (lsn != expected[0]) {
                throw new CorruptionException(walDir, 0, "log records " + expected[0] + " to " + (lsn - 1)
                        + " are missing after the checkpoint LSN " + checkpointLsn + " of " + dataFile);
            }
            List<WriteBatch.Op> ops;
            try {
                ops = BatchRecord.decode(record);
            } catch (IllegalArgumentException e) {
                throw new CorruptionException(walDir, 0, "log record " + lsn + " is not a btree record: "
                        + e.getMessage(), e);
            }
            apply.accept(ops, lsn);
            expected[0] = lsn + 1;
            replayed[0]++;
            replayed[1] += record.length;
        });
        return replayed;
    }
}
