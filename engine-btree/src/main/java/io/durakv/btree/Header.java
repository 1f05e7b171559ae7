package io.durakv.btree;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import static io.durakv.btree.BTreeFormat.*;

/**
 * One header slot: the root of a durable tree. Checkpoint {@code g} writes its header into slot {@code g % 2}, so the
 * slot of the previous durable header is never overwritten by the next one; recovery takes the valid slot with the
 * higher generation. Layout in {@code docs/formats/btree.md}; immutable.
 *
 * @param pageSize      the page size of the file
 * @param generation    the checkpoint counter; slot {@code generation % 2}
 * @param checkpointLsn every WAL record with an LSN up to this one is in the tree
 * @param root          the root page of the tree, or 0 when the tree is empty
 * @param freeListHead  the first free-list page, or 0 when there is none
 * @param freeCount     the number of page ids in the free list
 * @param pageCount     pages {@code [0, pageCount)} exist; every one is a header slot, reachable, or free
 * @param keyCount      the number of keys in the tree
 */
record Header(int pageSize, long generation, long checkpointLsn, int root, int freeListHead, int freeCount,
              int pageCount, long keyCount) {

    /** The header of a new, empty store. */
    static Header initial(int pageSize) {
        return new Header(pageSize, 0, 0, 0, 0, 0, FIRST_DATA_PAGE, 0);
    }

    /** @return the slot this header is written to */
    int slot() {
        return (int) (generation % HEADER_SLOTS);
    }

    /** @return the slot as a full page (the header, then zeros) */
    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(pageSize).order(ByteOrder.BIG_ENDIAN);
        b.putLong(H_MAGIC, MAGIC);
        b.putInt(H_VERSION, FORMAT_VERSION);
        b.putInt(H_PAGE_SIZE, pageSize);
        b.putLong(H_GENERATION, generation);
        b.putLong(H_CHECKPOINT_LSN, checkpointLsn);
        b.putInt(H_ROOT, root);
        b.putInt(H_FREE_LIST, freeListHead);
        b.putInt(H_FREE_COUNT, freeCount);
        b.putInt(H_PAGE_COUNT, pageCount);
        b.putLong(H_KEY_COUNT, keyCount);
        b.putInt(H_CRC, crc(b));
        return b;
    }

    /**
     * Decodes a slot read from the file.
     *
     * @param b at least {@link BTreeFormat#HEADER_BYTES} bytes from the slot's start
     * @return the header, or null when the slot is not a valid header (never written, torn, damaged)
     * @throws IllegalStateException with a too-old / too-new message when the slot is valid but of another version
     */
    static Header decode(ByteBuffer b) {
        b = b.duplicate().order(ByteOrder.BIG_ENDIAN);
        if (b.limit() < HEADER_BYTES || b.getLong(H_MAGIC) != MAGIC || b.getInt(H_CRC) != crc(b)) {
            return null;
        }
        int version = b.getInt(H_VERSION);
        if (version < MIN_READ_VERSION || version > FORMAT_VERSION) {
            throw new IllegalStateException("btree format version " + version + " is too "
                    + (version > FORMAT_VERSION ? "new" : "old") + "; this code reads versions " + MIN_READ_VERSION
                    + " to " + FORMAT_VERSION);
        }
        int pageSize = b.getInt(H_PAGE_SIZE);
        int pageCount = b.getInt(H_PAGE_COUNT);
        if (Integer.bitCount(pageSize) != 1 || pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE
                || pageCount < FIRST_DATA_PAGE) {
            return null;
        }
        return new Header(pageSize, b.getLong(H_GENERATION), b.getLong(H_CHECKPOINT_LSN), b.getInt(H_ROOT),
                b.getInt(H_FREE_LIST), b.getInt(H_FREE_COUNT), pageCount, b.getLong(H_KEY_COUNT));
    }

    private static int crc(ByteBuffer b) {
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().position(0).limit(H_CRC));
        return (int) crc.getValue();
    }
}
