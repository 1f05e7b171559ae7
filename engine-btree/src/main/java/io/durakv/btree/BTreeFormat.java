package io.durakv.btree;

/**
 * The on-disk format of the B+tree data file {@code btree.db}, as specified in {@code docs/formats/btree.md}.
 *
 * <p><b>Every number in this class is part of the on-disk format.</b> Changing one makes existing files unreadable;
 * change {@link #FORMAT_VERSION} and the document in the same commit.
 *
 * <p>The file is an array of fixed-size pages. Pages 0 and 1 are the two header slots (written alternately by
 * checkpoints, the valid one with the higher generation wins); pages from {@link #FIRST_DATA_PAGE} on hold tree
 * nodes, overflow chains and the free list. Every page starts with the same 24-byte page header; a header slot has
 * its own layout ({@link Header}).
 */
final class BTreeFormat {

    private BTreeFormat() {
    }

    /** Name of the data file in the store directory. */
    static final String DATA_FILE = "btree.db";
    /** Name under which a new data file is prepared before it is renamed to {@link #DATA_FILE}. */
    static final String DATA_FILE_TMP = "btree.db.tmp";
    /** Name of the lock file in the store directory. */
    static final String LOCK_FILE = "LOCK";
    /** Name of the write-ahead log's directory in the store directory. */
    static final String WAL_DIR = "wal";

    // ---- header slot (pages 0 and 1) -------------------------------------------------------------------------

    /** "DKVBTREE" in ASCII, big-endian: the first eight bytes of each header slot. */
    static final long MAGIC = 0x444B564254524545L;
    /** The format version this code writes. */
    static final int FORMAT_VERSION = 1;
    /** The oldest format version this code reads. */
    static final int MIN_READ_VERSION = 1;

    static final int H_MAGIC = 0;          // u64
    static final int H_VERSION = 8;        // u32
    static final int H_PAGE_SIZE = 12;     // u32
    static final int H_GENERATION = 16;    // u64
    static final int H_CHECKPOINT_LSN = 24; // u64
    static final int H_ROOT = 32;          // u32, 0 = empty tree
    static final int H_FREE_LIST = 36;     // u32, 0 = no free-list page
    static final int H_FREE_COUNT = 40;    // u32
    static final int H_PAGE_COUNT = 44;    // u32
    static final int H_KEY_COUNT = 48;     // u64
    static final int H_CRC = 56;           // u32 CRC32C of bytes [0, 56)
    /** Bytes of a header slot that carry data; the rest of the slot's page is zero. */
    static final int HEADER_BYTES = 60;

    /** Number of header slots; page {@code i} for {@code i < HEADER_SLOTS} is slot {@code i}. */
    static final int HEADER_SLOTS = 2;
    /** The first page id that can hold a node, overflow or free-list page. 0 means "no page" in every pointer. */
    static final int FIRST_DATA_PAGE = 2;

    // ---- common page header (every data page) ----------------------------------------------------------------

    static final int P_CRC = 0;      // u32 CRC32C of bytes [4, pageSize)
    static final int P_TYPE = 4;     // u8
    static final int P_FLAGS = 5;    // u8, 0
    static final int P_COUNT = 6;    // u16: entries (leaf), keys (internal), data bytes (overflow), ids (free list)
    static final int P_PAGE_ID = 8;  // u32: the page's own id, to catch misdirected writes
    static final int P_LINK = 12;    // u32: next page (overflow, free list); 0 elsewhere
    static final int P_GENERATION = 16; // u64: generation of the checkpoint that wrote the page
    /** Size of the common page header; the body starts here. */
    static final int PAGE_HEADER = 24;

    static final byte TYPE_LEAF = 1;
    static final byte TYPE_INTERNAL = 2;
    static final byte TYPE_OVERFLOW = 3;
    static final byte TYPE_FREE_LIST = 4;

    /** @return a page type's name for messages; {@code -1} is "leaf or internal" */
    static String typeName(int type) {
        return switch (type) {
            case TYPE_LEAF -> "leaf";
            case TYPE_INTERNAL -> "internal";
            case TYPE_OVERFLOW -> "overflow";
            case TYPE_FREE_LIST -> "free-list";
            case -1 -> "leaf or internal";
            default -> "unknown type " + type;
        };
    }

    // ---- leaf entry: u16 keyLen, u8 kind, u32 valueLen, key, then value bytes (inline) or u32 first page --------

    static final byte VALUE_INLINE = 0;
    static final byte VALUE_OVERFLOW = 1;
    /** Bytes of a leaf entry besides key and inline value. */
    static final int LEAF_ENTRY_OVERHEAD = 7;
    /** Bytes of a leaf entry whose value lives in an overflow chain, besides the key. */
    static final int LEAF_OVERFLOW_ENTRY_OVERHEAD = 11;

    // ---- internal body: u32 child0, then per key: u16 keyLen, key, u32 child --------------------------------

    /** Bytes of an internal node's body besides its keys' entries (the first child pointer). */
    static final int INTERNAL_BODY_OVERHEAD = 4;
    /** Bytes of an internal entry besides its key. */
    static final int INTERNAL_ENTRY_OVERHEAD = 6;

    // ---- limits ----------------------------------------------------------------------------------------------

    /** Smallest and largest page size. */
    static final int MIN_PAGE_SIZE = 1 << 10;
    static final int MAX_PAGE_SIZE = 1 << 16;
    static final int DEFAULT_PAGE_SIZE = 4 << 10;
    /** Largest value: 16 MiB. */
    static final int MAX_VALUE_BYTES = 16 << 20;

    /** @return the byte capacity of a node body: the page less its header */
    static int bodyCapacity(int pageSize) {
        return pageSize - PAGE_HEADER;
    }

    /**
     * The largest leaf or internal entry: a quarter of the body less the first child pointer, so that a node always
     * holds at least four entries and a split of an overfull node gives two halves that fit.
     */
    static int maxEntryBytes(int pageSize) {
        return (bodyCapacity(pageSize) - INTERNAL_BODY_OVERHEAD) / 4;
    }

    /** Largest key: a leaf entry with its value in an overflow chain must not exceed {@link #maxEntryBytes}. */
    static int maxKeyBytes(int pageSize) {
        return maxEntryBytes(pageSize) - LEAF_OVERFLOW_ENTRY_OVERHEAD;
    }

    /** @return whether a value of {@code valueLength} under a key of {@code keyLength} is stored in the leaf */
    static boolean inline(int keyLength, int valueLength, int pageSize) {
        return (long) LEAF_ENTRY_OVERHEAD + keyLength + valueLength <= maxEntryBytes(pageSize);
    }

    /** @return the value bytes one overflow page holds */
    static int overflowCapacity(int pageSize) {
        return pageSize - PAGE_HEADER;
    }

    /** @return the page ids one free-list page holds */
    static int freeListCapacity(int pageSize) {
        return (pageSize - PAGE_HEADER) / 4;
    }
}
