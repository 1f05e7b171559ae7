package io.durakv.lsm;

import io.durakv.api.io.ForceFailedException;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Writes one SSTable (format in {@code docs/formats/sstable.md}): entries arrive in strictly increasing internal-key
 * order and are cut into data blocks of about {@link SstOptions#blockBytes()}; {@link #finish()} appends the bloom,
 * properties and index blocks and the footer, and forces the file.
 *
 * <p>Bad input is rejected with {@link IllegalArgumentException} before anything of the entry is buffered or written.
 * After an {@link IOException} the writer is failed: further calls throw {@link IllegalStateException}; the caller
 * closes it and deletes the file.
 *
 * <p>Not thread-safe.
 */
final class SstWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SstWriter.class);
    /** Blocks are gathered up to this size before one positional write. */
    private static final int WRITE_BUFFER_BYTES = 64 << 10;

    private final DiskFile file;
    private final Path path;
    private final SstOptions options;
    private final BlockBuilder data;
    private final BlockBuilder index;
    private final SstCoding.Output pending = new SstCoding.Output(WRITE_BUFFER_BYTES + 1024);
    private final SstCoding.Output handle = new SstCoding.Output(20);
    private final CRC32C crc = new CRC32C();
    /** Bytes already written to the file; {@link #pending} follows them. */
    private long written;

    private long[] keyHashes = new long[1024];
    private int distinctKeys;
    private byte[] firstKey;
    /** The last key added: {@code lastKey[0, lastKeyLength)} (a buffer reused from key to key). */
    private byte[] lastKey = new byte[64];
    private int lastKeyLength;
    private long lastSequence;
    private long smallestSequence = Long.MAX_VALUE;
    private long largestSequence = Long.MIN_VALUE;
    private long entries;
    private int dataBlocks;
    private boolean finished;
    private boolean closed;
    private boolean failed;

    private SstWriter(DiskFile file, SstOptions options) {
        this.file = file;
        this.path = file.path();
        this.options = options;
        this.data = new BlockBuilder(options.restartInterval(), options.blockBytes());
        this.index = new BlockBuilder(1, 1024);
        byte[] header = SstFooter.encodeHeader();
        pending.put(header);
    }

    /** Creates {@code file} ({@link OpenMode#CREATE_NEW}: an existing file is an error) and starts a table in it. */
    static SstWriter create(Disk disk, Path file, SstOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        return new SstWriter(disk.open(file, OpenMode.CREATE_NEW), options);
    }

    /**
     * Adds an entry. Entries must come in strictly increasing internal-key order ({@link EntryKind#compare}: user key
     * ascending, then sequence descending).
     *
     * @param value the value for {@link EntryKind#PUT}; {@code null} for {@link EntryKind#DELETE}
     * @throws IllegalArgumentException if the entry is out of order or malformed; nothing is written then
     */
    void add(byte[] userKey, long sequence, byte kind, byte[] value) throws IOException {
        add(userKey, sequence, kind, value, 0, value == null ? 0 : value.length);
    }

    /**
     * As {@link #add(byte[], long, byte, byte[])} with the value in {@code value[valueFrom, valueFrom + valueLength)}
     * (copied before this returns), so that a source holding values inside larger arrays (a memtable's data pages)
     * hands them over without a copy of its own.
     */
    void add(byte[] userKey, long sequence, byte kind, byte[] value, int valueFrom, int valueLength)
            throws IOException {
        if (userKey == null) {
            throw new IllegalArgumentException("an SSTable entry needs a key, got null");
        }
        add(userKey, 0, userKey.length, sequence, kind, value, valueFrom, valueLength);
    }

    /**
     * As {@link #add(byte[], long, byte, byte[], int, int)} with the user key in
     * {@code key[keyFrom, keyFrom + keyLength)} too (copied before this returns): a flush hands a memtable's entries
     * over straight out of its data pages, without an array per entry.
     */
    void add(byte[] key, int keyFrom, int keyLength, long sequence, byte kind, byte[] value, int valueFrom,
             int valueLength) throws IOException {
        checkWritable();
        if (value != null && (valueFrom < 0 || valueLength < 0 || valueLength > value.length - valueFrom)) {
            throw new IllegalArgumentException("value range [" + valueFrom + ", +" + valueLength
                    + ") outside an array of " + value.length + " bytes");
        }
        if (key == null) {
            throw new IllegalArgumentException("an SSTable entry needs a key, got null");
        }
        if (keyFrom < 0 || keyLength < 0 || keyLength > key.length - keyFrom) {
            throw new IllegalArgumentException("key range [" + keyFrom + ", +" + keyLength + ") outside an array of "
                    + key.length + " bytes");
        }
        if (kind == EntryKind.PUT) {
            if (value == null) {
                throw new IllegalArgumentException("a PUT entry needs a value (key of " + keyLength + " bytes)");
            }
        } else if (kind == EntryKind.DELETE) {
            if (value != null) {
                throw new IllegalArgumentException("a DELETE entry has no value (key of " + keyLength + " bytes)");
            }
        } else {
            throw new IllegalArgumentException("unknown entry kind " + kind);
        }
        if (sequence < 0 || sequence > SstFormat.MAX_SEQUENCE) {
            throw new IllegalArgumentException("sequence " + sequence + " outside [0, " + SstFormat.MAX_SEQUENCE + "]");
        }
        if (value == null) {
            valueLength = 0;
        }
        if ((long) keyLength + valueLength > SstFormat.MAX_ENTRY_BYTES) {
            throw new IllegalArgumentException("entry of " + keyLength + " key bytes and " + valueLength
                    + " value bytes exceeds " + SstFormat.MAX_ENTRY_BYTES + " bytes");
        }
        int c = entries == 0 ? 1 : Arrays.compareUnsigned(key, keyFrom, keyFrom + keyLength, lastKey, 0, lastKeyLength);
        if (c < 0 || (c == 0 && sequence >= lastSequence)) {
            throw new IllegalArgumentException("entry (key of " + keyLength + " bytes, sequence " + sequence
                    + ") is not after the previous entry (key of " + lastKeyLength + " bytes, sequence "
                    + lastSequence + ") in internal-key order");
        }
        if (c != 0) {
            if (distinctKeys == keyHashes.length) {
                keyHashes = Arrays.copyOf(keyHashes, 2 * keyHashes.length);
            }
            keyHashes[distinctKeys++] = BloomHash.xxh64(key, keyFrom, keyLength);
            // A copy (into a buffer reused from key to key): the caller may reuse its array, and the last key becomes
            // the data block's index key.
            if (lastKey.length < keyLength) {
                lastKey = new byte[Math.max(keyLength, 2 * lastKey.length)];
            }
            System.arraycopy(key, keyFrom, lastKey, 0, keyLength);
            lastKeyLength = keyLength;
            if (firstKey == null) {
                firstKey = Arrays.copyOf(lastKey, keyLength);
            }
        }
        data.add(lastKey, 0, lastKeyLength, sequence, kind, value, valueFrom, valueLength);
        lastSequence = sequence;
        smallestSequence = Math.min(smallestSequence, sequence);
        largestSequence = Math.max(largestSequence, sequence);
        entries++;
        if (data.estimatedSize() >= options.blockBytes()) {
            flushDataBlock();
        }
    }

    /** @return bytes written so far plus the pending data block, to cut output files at a target size */
    long estimatedBytes() {
        return written + pending.size() + (data.isEmpty() ? 0 : data.estimatedSize() + SstFormat.TRAILER_SIZE);
    }

    /** @return entries added so far */
    long entries() {
        return entries;
    }

    /**
     * Writes the last data block, the bloom, properties and index blocks and the footer, forces the file and closes
     * it. Does not force the directory: the caller does that before the table is referenced anywhere.
     *
     * @throws IllegalStateException if no entry was added, or the writer is finished, closed or failed
     */
    SstMeta finish() throws IOException {
        checkWritable();
        if (entries == 0) {
            throw new IllegalStateException("an SSTable needs at least one entry: " + path);
        }
        try {
            if (!data.isEmpty()) {
                flushDataBlock();
            }
            long bloomOffset = position();
            byte[] bloom = BloomFilter.build(keyHashes, distinctKeys, options.bloomBitsPerKey());
            writeBlock(bloom, bloom.length, SstFormat.TYPE_BLOOM);

            long propertiesOffset = position();
            byte[] last = Arrays.copyOf(lastKey, lastKeyLength);
            SstCoding.Output properties = new SstCoding.Output(64 + firstKey.length + last.length);
            new SstProperties(entries, smallestSequence, largestSequence, dataBlocks, distinctKeys, firstKey,
                    last).encode(properties);
            writeBlock(properties.array(), properties.size(), SstFormat.TYPE_PROPERTIES);

            long indexOffset = position();
            index.finish();
            writeBlock(index.array(), index.size(), SstFormat.TYPE_INDEX);

            SstFooter footer = new SstFooter(bloomOffset, bloom.length, propertiesOffset, properties.size(),
                    indexOffset, index.size());
            pending.put(footer.encode());
            flushPending();
            // The whole table is durable before finish returns; the caller then forces the directory (making the
            // name durable) and only after that records the table in the manifest.
            ForceFailedException.force(file, true);
            finished = true;
            file.close();
            LOG.debug("finished SSTable {}: {} entries, {} data blocks, {} bytes", path, entries, dataBlocks,
                    written);
            return new SstMeta(written, firstKey, last, smallestSequence, largestSequence, entries);
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    /** Abandons an unfinished table: closes the file without finishing it (the caller deletes it). Idempotent. */
    @Override
    public void close() {
        if (closed || finished) {
            return;
        }
        closed = true;
        try {
            file.close();
        } catch (IOException e) {
            LOG.warn("closing abandoned SSTable {} failed", path, e);
        }
    }

    private void checkWritable() {
        if (finished || closed) {
            throw new IllegalStateException("SSTable writer of " + path + " is " + (finished ? "finished" : "closed"));
        }
        if (failed) {
            throw new IllegalStateException("SSTable writer of " + path + " failed earlier; close it and delete the file");
        }
    }

    private long position() {
        return written + pending.size();
    }

    private void flushDataBlock() throws IOException {
        data.finish();
        long offset = position();
        int size = data.size();
        try {
            writeBlock(data.array(), size, SstFormat.TYPE_DATA);
        } catch (IOException e) {
            failed = true;
            throw e;
        }
        handle.reset();
        handle.putVarint(offset);
        handle.putVarint(size);
        index.add(lastKey, 0, lastKeyLength, lastSequence, EntryKind.PUT, handle.array(), 0, handle.size());
        data.reset();
        dataBlocks++;
    }

    /** Appends {@code contents[0, size)} and its trailer (type, CRC32C of contents and type) to the file. */
    private void writeBlock(byte[] contents, int size, byte type) throws IOException {
        crc.reset();
        crc.update(contents, 0, size);
        crc.update(type);
        if (size >= WRITE_BUFFER_BYTES) {
            // A big block (a large value) goes straight to the file instead of through another copy.
            flushPending();
            write(ByteBuffer.wrap(contents, 0, size));
        } else {
            pending.put(contents, 0, size);
        }
        pending.put(type);
        pending.putIntLE((int) crc.getValue());
        if (pending.size() >= WRITE_BUFFER_BYTES) {
            flushPending();
        }
    }

    private void flushPending() throws IOException {
        if (pending.size() > 0) {
            write(ByteBuffer.wrap(pending.array(), 0, pending.size()));
            pending.reset();
        }
    }

    private void write(ByteBuffer bytes) throws IOException {
        int n = bytes.remaining();
        file.write(written, bytes);
        written += n;
    }

    @Override
    public String toString() {
        return "SstWriter[" + path + ", entries=" + entries + "]";
    }
}
