package io.durakv.lsm;

import io.durakv.api.StoreException;

import java.io.IOException;

/**
 * An {@link InternalIterator} over one SSTable: a cursor in the index over the data blocks, and a
 * {@link BlockIterator} in the current block. Blocks come through the reader (and its block cache), verified on every
 * read from the file; an {@link IOException} is thrown as a {@link StoreException}, damage as a
 * {@link io.durakv.api.CorruptionException}.
 *
 * <p>Not thread-safe. Allocates one array per {@link #key()} and {@link #value()} call that asks for a new entry's;
 * {@link #keyArray()} and {@link #addTo} copy nothing.
 */
final class SstIterator implements InternalIterator {

    private final SstReader reader;
    private final SstIndex index;
    private final BlockIterator block = new BlockIterator();
    private final boolean fillCache;
    /** The current block, or {@code index.size()} when not positioned. */
    private int blockNumber;
    private byte[] key;
    private byte[] value;
    private boolean closed;
    /** Bytes of data blocks {@code spanFirst..spanLast} read ahead in one call, or null. */
    private byte[] span;
    private int spanFirst;
    private int spanLast;
    /** How many bytes the next read-ahead reads: 0 after a seek, then doubling. */
    private int readAhead;

    static final int FIRST_READ_AHEAD = 16 << 10;
    static final int MAX_READ_AHEAD = 256 << 10;

    SstIterator(SstReader reader) {
        this(reader, true);
    }

    /** @param fillCache whether blocks read from the file go into the block cache (not for compaction) */
    SstIterator(SstReader reader, boolean fillCache) {
        this.reader = reader;
        this.fillCache = fillCache;
        this.index = reader.index();
        this.blockNumber = index.size();
    }

    @Override
    public void seekToFirst() {
        ensureOpen();
        load(0);
        block.seekToFirst();
        skipExhaustedBlocks();
    }

    @Override
    public void seek(byte[] userKey) {
        ensureOpen();
        int b = index.find(userKey, Long.MAX_VALUE);
        if (b == index.size()) {
            blockNumber = b;
            return;
        }
        load(b);
        block.seek(userKey, Long.MAX_VALUE);
        skipExhaustedBlocks();
    }

    @Override
    public boolean valid() {
        ensureOpen();
        return blockNumber < index.size() && block.valid();
    }

    @Override
    public void next() {
        requireValid();
        block.next();
        skipExhaustedBlocks();
    }

    @Override
    public byte[] key() {
        requireValid();
        if (key == null) {
            key = block.userKey();
        }
        return key;
    }

    /** The key in the block cursor's buffer: no copy (the merge and scans compare keys here). */
    @Override
    public byte[] keyArray() {
        requireValid();
        return block.keyBuffer();
    }

    @Override
    public int keyOffset() {
        return 0;
    }

    @Override
    public int keyLength() {
        requireValid();
        return block.userKeyLength();
    }

    @Override
    public long sequence() {
        requireValid();
        return block.sequence();
    }

    @Override
    public byte kind() {
        requireValid();
        return block.kind();
    }

    @Override
    public byte[] value() {
        requireValid();
        if (value == null && block.kind() == EntryKind.PUT) {
            value = block.value();
        }
        return value;
    }

    /** The value copied out of the block for this entry, given up: a later {@link #value()} copies again. */
    @Override
    public byte[] takeValue() {
        byte[] v = value();
        value = null;
        return v;
    }

    /** Key and value straight out of the block: a compaction copies each entry once, into the output's block. */
    @Override
    public void addTo(SstWriter table) throws IOException {
        requireValid();
        if (block.kind() == EntryKind.PUT) {
            table.add(block.keyBuffer(), 0, block.userKeyLength(), block.sequence(), EntryKind.PUT, block.data(),
                    block.valueOffset(), block.valueLength());
        } else {
            table.add(block.keyBuffer(), 0, block.userKeyLength(), block.sequence(), EntryKind.DELETE, null, 0, 0);
        }
    }

    @Override
    public void close() {
        closed = true;
        span = null;
        blockNumber = index.size();
    }

    private void skipExhaustedBlocks() {
        key = null;
        value = null;
        while (!block.valid()) {
            if (blockNumber + 1 >= index.size()) {
                blockNumber = index.size();
                return;
            }
            loadNext(blockNumber + 1);
            block.seekToFirst();
        }
    }

    /** Positions in block {@code b} (a seek): no read-ahead yet, the scan may stop within the block. */
    private void load(int b) {
        span = null;
        readAhead = 0;
        blockNumber = index.size(); // unpositioned if the block cannot be read
        try {
            block.reset(reader.dataBlock(b, fillCache));
            blockNumber = b;
        } catch (IOException e) {
            throw failed(b, e);
        }
    }

    /**
     * Moves on to block {@code b}, the one after the current: from the cache, else out of the table's mapping where it
     * is mapped (a memory copy, no read-ahead), else from the bytes read ahead, else
     * read with the blocks after it in one call of {@link #readAhead} bytes, which doubles on every such read from
     * {@link #FIRST_READ_AHEAD} up to {@link #MAX_READ_AHEAD} (a scan that goes on reads ever larger runs of blocks,
     * one that stops soon reads little more than it needs).
     */
    private void loadNext(int b) {
        blockNumber = index.size();
        try {
            Block next = reader.cachedDataBlock(b);
            if (next == null && reader.readsMapped()) {
                next = reader.readDataBlock(b, fillCache); // a memory copy per block: read-ahead would copy twice
            }
            if (next == null && (span == null || b < spanFirst || b > spanLast)) {
                readAhead = readAhead == 0 ? FIRST_READ_AHEAD : Math.min(MAX_READ_AHEAD, readAhead * 2);
                int last = b;
                long start = index.offset(b);
                while (last + 1 < index.size()
                        && index.offset(last + 1) + index.blockSize(last + 1) + SstFormat.TRAILER_SIZE - start
                        <= readAhead) {
                    last++;
                }
                span = last == b ? null : reader.readSpan(b, last);
                spanFirst = b;
                spanLast = last;
            }
            if (next == null) {
                next = span == null ? reader.readDataBlock(b, fillCache) : reader.dataBlockFrom(span, spanFirst, b, fillCache);
            }
            if (b == spanLast) {
                span = null;
            }
            block.reset(next);
            blockNumber = b;
        } catch (IOException e) {
            throw failed(b, e);
        }
    }

    private StoreException failed(int b, IOException e) {
        return new StoreException("reading data block " + b + " of " + reader.path() + " at offset "
                + index.offset(b) + " failed", e);
    }

    private void requireValid() {
        if (!valid()) {
            throw new IllegalStateException("iterator over " + reader.path() + " is not at an entry");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("iterator over " + reader.path() + " is closed");
        }
    }
}
