package io.durakv.lsm;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.ReadMapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads one SSTable. {@link #open} reads and verifies the header, footer, bloom, properties and index blocks and keeps
 * them in memory; data blocks are read on demand, verified (CRC32C, block type, restart array) and shared through the
 * {@link BlockCache}. A table never changes once written, so {@link #open} maps the whole file for reading
 * ({@link DiskFile#mapForReading}): a block the cache misses is a memory copy out of the page cache where the disk maps
 * reads ({@link io.durakv.api.io.LocalDisk} on Java 22+), a read call through the handle everywhere else.
 *
 * <p>Thread-safe: any number of threads may call {@link #get} and {@link #mayContain} at once; each
 * {@link #iterator()} is for one thread. {@link #close()} must not race with reads (the {@link TableCache} pins
 * readers in use, so it never does).
 */
final class SstReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SstReader.class);
    /** Each thread's block cursor for {@link #get}: a lookup allocates only its result. */
    private static final ThreadLocal<BlockIterator> LOOKUP = ThreadLocal.withInitial(BlockIterator::new);

    private final DiskFile file;
    /** The whole file, mapped for reading; closed before the file. */
    private final ReadMapping mapping;
    private final Path path;
    private final long fileId;
    private final BlockCache cache;
    private final SstMeta meta;
    private final BloomFilter bloom;
    private final SstIndex index;
    private volatile boolean closed;

    private SstReader(DiskFile file, ReadMapping mapping, long fileId, BlockCache cache, SstMeta meta,
                      BloomFilter bloom, SstIndex index) {
        this.file = file;
        this.mapping = mapping;
        this.path = file.path();
        this.fileId = fileId;
        this.cache = cache;
        this.meta = meta;
        this.bloom = bloom;
        this.index = index;
    }

    /**
     * Opens a table and verifies its header, footer, bloom, properties and index (CRC32C each, and their structure).
     *
     * @param fileId the table's unique number: its data blocks' key in {@code cache}
     * @param cache  the shared block cache, or {@code null} to read every block from the file
     * @throws CorruptionException if the file is damaged or not an SSTable (naming the file and the offset)
     */
    static SstReader open(Disk disk, Path file, long fileId, BlockCache cache) throws IOException {
        return open(disk, file, fileId, cache, true);
    }

    /** As {@link #open(Disk, Path, long, BlockCache)}; {@code mapped} false reads every block by a read call. */
    static SstReader open(Disk disk, Path file, long fileId, BlockCache cache, boolean mapped) throws IOException {
        DiskFile f = disk.open(file, OpenMode.READ);
        try {
            return open(f, fileId, cache, mapped);
        } catch (IOException | RuntimeException | Error e) {
            try {
                f.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static SstReader open(DiskFile f, long fileId, BlockCache cache, boolean mapped) throws IOException {
        Path path = f.path();
        long size = f.size();
        if (size < SstFormat.HEADER_SIZE + SstFormat.FOOTER_SIZE) {
            throw new CorruptionException(path, 0, "file of " + size + " bytes is too short to be an SSTable");
        }
        long footerOffset = size - SstFormat.FOOTER_SIZE;
        SstFooter footer = SstFooter.decode(readFully(f, footerOffset, SstFormat.FOOTER_SIZE), path, footerOffset);
        SstFooter.checkHeader(readFully(f, 0, SstFormat.HEADER_SIZE), path);

        byte[] bloomBytes = readBlock(f, footer.bloomOffset(), footer.bloomSize(), SstFormat.TYPE_BLOOM);
        BloomFilter bloom = BloomFilter.decode(bloomBytes, footer.bloomSize(), path, footer.bloomOffset());

        byte[] propertiesBytes = readBlock(f, footer.propertiesOffset(), footer.propertiesSize(),
                SstFormat.TYPE_PROPERTIES);
        SstProperties properties = SstProperties.decode(propertiesBytes, footer.propertiesSize(), path,
                footer.propertiesOffset());

        byte[] indexBytes = readBlock(f, footer.indexOffset(), footer.indexSize(), SstFormat.TYPE_INDEX);
        Block indexBlock = Block.parse(indexBytes, footer.indexSize(), path, footer.indexOffset(),
                SstFormat.TYPE_INDEX);
        SstIndex index = SstIndex.decode(indexBlock, properties.dataBlocks(), footer.bloomOffset(), path);
        if (!Arrays.equals(index.lastKey(), properties.largestKey())) {
            throw new CorruptionException(path, footer.indexOffset(),
                    "index block's last key differs from the properties' largest key");
        }
        SstMeta meta = new SstMeta(size, properties.smallestKey(), properties.largestKey(),
                properties.smallestSequence(), properties.largestSequence(), properties.entries());
        ReadMapping mapping = mapped ? ReadMapping.mapOrReadThrough(f, 0, size) : ReadMapping.through(f, 0, size);
        return new SstReader(f, mapping, fileId, cache, meta, bloom, index);
    }

    /** @return what the table holds; {@code fileBytes} is the file's size */
    SstMeta meta() {
        return meta;
    }

    /** @return the path of the table file */
    Path path() {
        return path;
    }

    /** @return the table's number, its key in the block cache */
    long fileId() {
        return fileId;
    }

    /** @return false if no entry of {@code userKey} is in the table; true if there may be one (bloom probe only) */
    boolean mayContain(byte[] userKey) {
        return bloom.mayContain(userKey);
    }

    /**
     * @return the newest entry of {@code userKey} with a sequence number {@code <= maxSequence}, or {@code null}; the
     *         bloom filter is probed before any data block is read. Its value is a fresh copy the caller may keep.
     * @throws CorruptionException if the data block it reads is damaged
     */
    SstEntry get(byte[] userKey, long maxSequence) throws IOException {
        return get(userKey, BloomHash.xxh64(userKey), maxSequence);
    }

    /** As {@link #get(byte[], long)}, with the key's {@link BloomHash#xxh64} hash computed once by the caller. */
    SstEntry get(byte[] userKey, long hash, long maxSequence) throws IOException {
        ensureOpen();
        if (!bloom.mayContainHash(hash)) {
            return null;
        }
        int block = index.find(userKey, maxSequence);
        if (block == index.size()) {
            return null;
        }
        BlockIterator it = LOOKUP.get();
        try {
            it.reset(dataBlock(block));
            it.seek(userKey, maxSequence);
            if (!it.valid() || !it.userKeyEquals(userKey)) {
                return null;
            }
            return new SstEntry(it.sequence(), it.kind(), it.value());
        } finally {
            it.clear();
        }
    }

    /**
     * @return a new iterator over all entries in internal-key order, reading data blocks through the cache; it wraps
     *         an {@link IOException} in {@link io.durakv.api.StoreException}. For one thread.
     */
    SstIterator iterator() {
        return iterator(true);
    }

    /**
     * @param fillCache whether blocks read from the file go into the block cache: false for compaction, whose
     *                  inputs are read once and would only push the blocks readers use out of the cache
     * @return as {@link #iterator()}
     */
    SstIterator iterator(boolean fillCache) {
        ensureOpen();
        return new SstIterator(this, fillCache);
    }

    /**
     * Reads every data block from the file (not the cache) and checks everything a table promises: each block's
     * checksum and structure, entries in strictly increasing internal-key order across blocks, each block's last entry
     * equal to its index key, and the entry count, key range and sequence range of the properties. For an engine's
     * {@code check()}; reads the whole file.
     *
     * @throws CorruptionException at the first violation, naming the block
     */
    void verify() throws IOException {
        ensureOpen();
        BlockIterator it = new BlockIterator();
        byte[] previousKey = null;
        long previousSequence = 0;
        long entries = 0;
        for (int b = 0; b < index.size(); b++) {
            long offset = index.offset(b);
            int size = index.blockSize(b);
            Block block = Block.parse(readBlock(offset, size, SstFormat.TYPE_DATA), size, path, offset,
                    SstFormat.TYPE_DATA);
            it.reset(block);
            for (it.seekToFirst(); it.valid(); it.next()) {
                if (previousKey == null ? !it.userKeyEquals(meta.smallestKey())
                        : it.compare(previousKey, previousSequence) <= 0) {
                    throw block.corrupt(previousKey == null ? "first key differs from the properties' smallest key"
                            : "entries out of internal-key order");
                }
                if (it.sequence() < meta.smallestSequence() || it.sequence() > meta.largestSequence()) {
                    throw block.corrupt("sequence " + it.sequence() + " outside the properties' range");
                }
                previousKey = it.userKey();
                previousSequence = it.sequence();
                entries++;
            }
            if (previousKey == null || !index.isLastEntry(b, previousKey, previousSequence)) {
                throw block.corrupt("last entry differs from the index key of block " + b);
            }
        }
        if (entries != meta.entries()) {
            throw new CorruptionException(path, index.offset(0), "data blocks hold " + entries
                    + " entries, the properties say " + meta.entries());
        }
    }

    /** Closes the mapping, then the file. Idempotent. Reads must have finished (see the class comment). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        mapping.close();
        try {
            file.close();
        } catch (IOException e) {
            LOG.warn("closing SSTable {} failed", path, e);
        }
    }

    /** @return whether data blocks are memory copies out of a mapping (false: read calls through the handle) */
    boolean mapped() {
        return mapping.mapped();
    }

    /** @return whether {@link #close()} was called */
    boolean isClosed() {
        return closed;
    }

    SstIndex index() {
        return index;
    }

    /** @return data block {@code block}, from the cache or read from the file and verified */
    Block dataBlock(int block) throws IOException {
        return dataBlock(block, true);
    }

    /** As {@link #dataBlock(int)}; a block read from the file is cached only if {@code fillCache}. */
    Block dataBlock(int block, boolean fillCache) throws IOException {
        ensureOpen();
        long offset = index.offset(block);
        if (cache != null) {
            Block cached = cache.get(fileId, offset);
            if (cached != null) {
                return cached;
            }
        }
        return readDataBlock(block, fillCache);
    }

    /**
     * Reads data block {@code block} from the file (the caller found it not cached), checks and parses it, and caches
     * it if {@code fillCache}.
     */
    Block readDataBlock(int block, boolean fillCache) throws IOException {
        ensureOpen();
        long offset = index.offset(block);
        int size = index.blockSize(block);
        Block b = Block.parse(readBlock(offset, size, SstFormat.TYPE_DATA), size, path, offset, SstFormat.TYPE_DATA);
        if (cache != null && fillCache) {
            cache.put(fileId, offset, b);
        }
        return b;
    }

    /**
     * @return whether blocks are read out of a memory mapping (a memory copy each): reading several blocks ahead in
     *         one call then saves nothing and costs a second copy
     */
    boolean readsMapped() {
        return mapping.mapped();
    }

    /**
     * Reads the bytes of data blocks {@code first..last} (adjacent in the file: the index checked that each block
     * starts where the previous one's trailer ends) in one call, for a scan reading ahead. Nothing is checked here:
     * {@link #dataBlockFrom} checks each block when the scan reaches it, so damage to a block read ahead is reported
     * only if the scan gets there.
     */
    byte[] readSpan(int first, int last) throws IOException {
        ensureOpen();
        long from = index.offset(first);
        long to = index.offset(last) + index.blockSize(last) + SstFormat.TRAILER_SIZE;
        return read(from, Math.toIntExact(to - from));
    }

    /**
     * @return data block {@code block} out of {@code span}, the bytes {@link #readSpan} read from block
     *         {@code spanFirst} on: checked and parsed like a block read alone, and cached if {@code fillCache}
     */
    Block dataBlockFrom(byte[] span, int spanFirst, int block, boolean fillCache) {
        ensureOpen();
        long offset = index.offset(block);
        int size = index.blockSize(block);
        int at = Math.toIntExact(offset - index.offset(spanFirst));
        byte[] b = Arrays.copyOfRange(span, at, at + size + SstFormat.TRAILER_SIZE);
        checkBlock(b, path, offset, size, SstFormat.TYPE_DATA);
        Block parsed = Block.parse(b, size, path, offset, SstFormat.TYPE_DATA);
        if (cache != null && fillCache) {
            cache.put(fileId, offset, parsed);
        }
        return parsed;
    }

    /** @return data block {@code block} if the block cache holds it, else null */
    Block cachedDataBlock(int block) {
        return cache == null ? null : cache.get(fileId, index.offset(block));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("SSTable reader of " + path + " is closed");
        }
    }

    /**
     * Reads the block at {@code offset} with {@code size} bytes of contents, and checks its trailer's type and
     * CRC32C. The caller has checked that the block lies inside the file, so {@code size} can size the buffer.
     *
     * @return the contents in {@code [0, size)} (the trailer follows them in the array)
     */
    private byte[] readBlock(long offset, int size, byte type) throws IOException {
        byte[] b = read(offset, size + SstFormat.TRAILER_SIZE);
        checkBlock(b, path, offset, size, type);
        return b;
    }

    /**
     * @return {@code length} bytes at {@code offset} out of the mapping (the index checked that data blocks lie inside
     *         the file, which never changes)
     */
    private byte[] read(long offset, int length) throws IOException {
        byte[] b = new byte[length];
        try {
            mapping.read(offset, b, 0, length);
        } catch (EOFException e) {
            throw new CorruptionException(path, offset, "file ends inside the " + length + " bytes expected here", e);
        }
        return b;
    }

    private static byte[] readBlock(DiskFile f, long offset, int size, byte type) throws IOException {
        byte[] b = readFully(f, offset, size + SstFormat.TRAILER_SIZE);
        checkBlock(b, f.path(), offset, size, type);
        return b;
    }

    /** Checks the trailer (type and CRC32C) of a block whose contents are {@code b[0, size)}. */
    private static void checkBlock(byte[] b, Path path, long offset, int size, byte type) {
        byte actualType = b[size];
        CRC32C crc = new CRC32C();
        crc.update(b, 0, size + 1);
        if (SstCoding.getIntLE(b, size + 1) != (int) crc.getValue()) {
            throw new CorruptionException(path, offset, SstFormat.typeName(type) + " checksum mismatch");
        }
        if (actualType != type) {
            throw new CorruptionException(path, offset, "expected a " + SstFormat.typeName(type) + ", found a "
                    + SstFormat.typeName(actualType));
        }
    }

    private static byte[] readFully(DiskFile f, long offset, int length) throws IOException {
        byte[] b = new byte[length];
        try {
            f.readFully(offset, ByteBuffer.wrap(b));
        } catch (EOFException e) {
            throw new CorruptionException(f.path(), offset, "file ends inside the " + length + " bytes expected here",
                    e);
        }
        return b;
    }

    @Override
    public String toString() {
        return "SstReader[" + path + ", id=" + fileId + ", " + meta + "]";
    }
}
