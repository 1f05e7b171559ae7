package io.durakv.lsm;

import java.nio.ByteOrder;

/**
 * The on-disk format of an SSTable, as specified in {@code docs/formats/sstable.md}.
 *
 * <p><b>Every number in this class is part of the on-disk format.</b> Changing one makes existing tables unreadable;
 * change {@link #VERSION} and the document in the same commit.
 *
 * <p>A table is: a 16-byte file header, the data blocks, the bloom block, the properties block, the index block, and
 * a 56-byte footer. Every block is followed by a 5-byte trailer (block type, CRC32C). Fixed-width integers are
 * little-endian; variable-width ones are unsigned LEB128 varints ({@link SstCoding}).
 */
final class SstFormat {

    private SstFormat() {
    }

    /** Byte order of every fixed-width integer in the format (the internal-key trailer excepted). */
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    /** "DKVSST\r\n": starts the file and ends the footer; the CR LF pair catches a text-mode copy. */
    static final byte[] MAGIC = {'D', 'K', 'V', 'S', 'S', 'T', '\r', '\n'};
    /** The format version this code writes. */
    static final int VERSION = 1;
    /** The oldest format version this code reads. */
    static final int MIN_READABLE_VERSION = 1;

    // ---- file header -------------------------------------------------------------------------------------------

    static final int HEADER_SIZE = 16;
    static final int HEADER_MAGIC = 0;   // 8 bytes
    static final int HEADER_VERSION = 8; // u32
    static final int HEADER_CRC = 12;    // u32 CRC32C of bytes [0, 12)

    // ---- blocks ------------------------------------------------------------------------------------------------

    /** Trailer after every block's contents: u8 type, u32 CRC32C of the contents and the type byte. */
    static final int TRAILER_SIZE = 5;

    static final byte TYPE_DATA = 1;
    static final byte TYPE_INDEX = 2;
    static final byte TYPE_BLOOM = 3;
    static final byte TYPE_PROPERTIES = 4;

    /** Largest block contents this code writes or reads (a single entry larger than the block size gets its own block). */
    static final int MAX_BLOCK_BYTES = Integer.MAX_VALUE - 64;
    /** Largest user key plus value of one entry, so that a block holding it stays under {@link #MAX_BLOCK_BYTES}. */
    static final int MAX_ENTRY_BYTES = 1 << 30;

    /** Internal key = user key followed by this many bytes: big-endian {@code sequence << 8 | kind}. */
    static final int KEY_TRAILER_SIZE = 8;
    /** Sequence numbers must fit 56 bits, so that {@code sequence << 8 | kind} fits a long. */
    static final long MAX_SEQUENCE = (1L << 56) - 1;

    // ---- footer ------------------------------------------------------------------------------------------------

    static final int FOOTER_SIZE = 56;
    static final int FOOTER_BLOOM_OFFSET = 0;       // u64
    static final int FOOTER_BLOOM_SIZE = 8;         // u32
    static final int FOOTER_PROPERTIES_OFFSET = 12; // u64
    static final int FOOTER_PROPERTIES_SIZE = 20;   // u32
    static final int FOOTER_INDEX_OFFSET = 24;      // u64
    static final int FOOTER_INDEX_SIZE = 32;        // u32
    static final int FOOTER_VERSION = 36;           // u32
    static final int FOOTER_FLAGS = 40;             // u32, 0 in version 1
    static final int FOOTER_CRC = 44;               // u32 CRC32C of bytes [0, 44)
    static final int FOOTER_MAGIC = 48;             // 8 bytes

    /** @return a block type's name for messages */
    static String typeName(int type) {
        return switch (type) {
            case TYPE_DATA -> "data block";
            case TYPE_INDEX -> "index block";
            case TYPE_BLOOM -> "bloom block";
            case TYPE_PROPERTIES -> "properties block";
            default -> "block of unknown type " + type;
        };
    }
}
