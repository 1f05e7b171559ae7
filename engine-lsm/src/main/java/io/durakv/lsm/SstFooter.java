package io.durakv.lsm;

import io.durakv.api.CorruptionException;

import java.nio.file.Path;
import java.util.Arrays;

import static io.durakv.lsm.SstFormat.*;

/**
 * The fixed-size parts of a table file: the 16-byte header at its start and the 56-byte footer at its end, which
 * locates the bloom, properties and index blocks. Layouts in {@link SstFormat} and {@code docs/formats/sstable.md}.
 *
 * @param bloomOffset      offset of the bloom block (also the end of the data blocks)
 * @param bloomSize        size of its contents, trailer excluded
 * @param propertiesOffset offset of the properties block
 * @param propertiesSize   size of its contents
 * @param indexOffset      offset of the index block
 * @param indexSize        size of its contents
 */
record SstFooter(long bloomOffset, int bloomSize, long propertiesOffset, int propertiesSize, long indexOffset,
                 int indexSize) {

    /** @return the file header, ready to write at offset 0 */
    static byte[] encodeHeader() {
        byte[] b = new byte[HEADER_SIZE];
        System.arraycopy(MAGIC, 0, b, HEADER_MAGIC, MAGIC.length);
        SstCoding.putIntLE(b, HEADER_VERSION, VERSION);
        SstCoding.putIntLE(b, HEADER_CRC, SstCoding.crc(b, 0, HEADER_CRC));
        return b;
    }

    /** Checks the file header read from offset 0. */
    static void checkHeader(byte[] b, Path file) {
        if (!Arrays.equals(b, HEADER_MAGIC, HEADER_MAGIC + MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CorruptionException(file, 0, "not an SSTable: bad header magic");
        }
        if (SstCoding.getIntLE(b, HEADER_CRC) != SstCoding.crc(b, 0, HEADER_CRC)) {
            throw new CorruptionException(file, 0, "SSTable header checksum mismatch");
        }
        checkVersion(SstCoding.getIntLE(b, HEADER_VERSION), file, 0);
    }

    /** @return the footer, ready to write at the end of the file */
    byte[] encode() {
        byte[] b = new byte[FOOTER_SIZE];
        SstCoding.putLongLE(b, FOOTER_BLOOM_OFFSET, bloomOffset);
        SstCoding.putIntLE(b, FOOTER_BLOOM_SIZE, bloomSize);
        SstCoding.putLongLE(b, FOOTER_PROPERTIES_OFFSET, propertiesOffset);
        SstCoding.putIntLE(b, FOOTER_PROPERTIES_SIZE, propertiesSize);
        SstCoding.putLongLE(b, FOOTER_INDEX_OFFSET, indexOffset);
        SstCoding.putIntLE(b, FOOTER_INDEX_SIZE, indexSize);
        SstCoding.putIntLE(b, FOOTER_VERSION, VERSION);
        SstCoding.putIntLE(b, FOOTER_FLAGS, 0);
        SstCoding.putIntLE(b, FOOTER_CRC, SstCoding.crc(b, 0, FOOTER_CRC));
        System.arraycopy(MAGIC, 0, b, FOOTER_MAGIC, MAGIC.length);
        return b;
    }

    /**
     * Decodes and checks the footer {@code b} read at {@code footerOffset = fileSize - FOOTER_SIZE}: magic, checksum,
     * version, and that the three meta blocks follow one another exactly, from the end of the data blocks to the
     * footer.
     */
    static SstFooter decode(byte[] b, Path file, long footerOffset) {
        if (!Arrays.equals(b, FOOTER_MAGIC, FOOTER_MAGIC + MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CorruptionException(file, footerOffset, "not an SSTable or truncated: bad footer magic");
        }
        if (SstCoding.getIntLE(b, FOOTER_CRC) != SstCoding.crc(b, 0, FOOTER_CRC)) {
            throw new CorruptionException(file, footerOffset, "SSTable footer checksum mismatch");
        }
        checkVersion(SstCoding.getIntLE(b, FOOTER_VERSION), file, footerOffset);
        int flags = SstCoding.getIntLE(b, FOOTER_FLAGS);
        if (flags != 0) {
            throw new CorruptionException(file, footerOffset, "SSTable footer has unknown flags " + flags);
        }
        SstFooter f = new SstFooter(SstCoding.getLongLE(b, FOOTER_BLOOM_OFFSET),
                SstCoding.getIntLE(b, FOOTER_BLOOM_SIZE), SstCoding.getLongLE(b, FOOTER_PROPERTIES_OFFSET),
                SstCoding.getIntLE(b, FOOTER_PROPERTIES_SIZE), SstCoding.getLongLE(b, FOOTER_INDEX_OFFSET),
                SstCoding.getIntLE(b, FOOTER_INDEX_SIZE));
        if (f.bloomOffset < HEADER_SIZE || f.bloomSize < 0 || f.propertiesSize < 0 || f.indexSize < 0
                || f.propertiesOffset != f.bloomOffset + f.bloomSize + TRAILER_SIZE
                || f.indexOffset != f.propertiesOffset + f.propertiesSize + TRAILER_SIZE
                || footerOffset != f.indexOffset + f.indexSize + TRAILER_SIZE) {
            throw new CorruptionException(file, footerOffset, "SSTable footer's block handles do not tile the file: "
                    + f);
        }
        return f;
    }

    private static void checkVersion(int version, Path file, long offset) {
        if (version > VERSION) {
            throw new CorruptionException(file, offset, "SSTable format version " + version
                    + " is too new: this code reads versions " + MIN_READABLE_VERSION + " to " + VERSION);
        }
        if (version < MIN_READABLE_VERSION) {
            throw new CorruptionException(file, offset, "SSTable format version " + version
                    + " is too old: this code reads versions " + MIN_READABLE_VERSION + " to " + VERSION);
        }
    }
}
