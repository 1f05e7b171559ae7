package io.durakv.lsm;

import io.durakv.api.StoreException;

import java.io.IOException;

/**
 * An {@link InternalIterator} over one SSTable: a cursor in the index over the data blocks, and a
 * {@link BlockIterator} in the current block. Blocks come through the reader (and its block cache), verified on every
 * read from the file; an {@link IOException} is thrown as a {@link StoreException}, damage as a
 * {@link io.durakv.api.CorruptionException}.
 *
 * <p>Not thread-safe. Allocates one array per {@link #key()} and {@link #value()} call that asks for a new entry's.
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

    @Override
    public void close() {
        closed = true;
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
            load(blockNumber + 1);
            block.seekToFirst();
        }
    }

    private void load(int b) {
        blockNumber = index.size(); // unpositioned if the block cannot be read
        try {
            block.reset(reader.dataBlock(b, fillCache));
            blockNumber = b;
        } catch (IOException e) {
            throw new StoreException("reading data block " + b + " of " + reader.path() + " at offset "
                    + index.offset(b) + " failed", e);
        }
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
