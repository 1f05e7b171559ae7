package io.durakv.lsm;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A least-recently-used cache of verified data blocks, keyed by (table file id, block offset), shared by all the
 * readers of a store. The sum of the cached blocks' {@link Block#charge() charges} never exceeds the capacity; a block
 * larger than the whole capacity is not cached; capacity 0 disables caching (every lookup misses).
 *
 * <p>Thread-safe: one lock guards the map and the counters (a lookup holds it for a hash-map access only).
 */
final class BlockCache {

    private record Key(long fileId, long offset) {
    }

    private final long capacity;
    // All fields below are guarded by this.
    private final LinkedHashMap<Key, Block> blocks = new LinkedHashMap<>(256, 0.75f, true);
    private long used;
    private long hits;
    private long misses;

    /** @param capacityBytes the byte budget, {@code >= 0}; 0 disables the cache */
    BlockCache(long capacityBytes) {
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("block cache capacity must be >= 0 bytes, got " + capacityBytes);
        }
        this.capacity = capacityBytes;
    }

    /** @return the cached block, or {@code null} (counted as a miss) */
    synchronized Block get(long fileId, long offset) {
        Block b = capacity == 0 ? null : blocks.get(new Key(fileId, offset));
        if (b == null) {
            misses++;
        } else {
            hits++;
        }
        return b;
    }

    /** Caches {@code block}, evicting the least recently used blocks until it fits. */
    synchronized void put(long fileId, long offset, Block block) {
        long charge = block.charge();
        if (charge > capacity) {
            return;
        }
        Block previous = blocks.put(new Key(fileId, offset), block);
        if (previous != null) {
            used -= previous.charge();
        }
        used += charge;
        Iterator<Block> eldest = blocks.values().iterator();
        while (used > capacity) {
            Block evicted = eldest.next();
            eldest.remove();
            used -= evicted.charge();
        }
    }

    /** Drops every block of table {@code fileId} (its file was deleted). */
    synchronized void evictFile(long fileId) {
        Iterator<Map.Entry<Key, Block>> it = blocks.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, Block> e = it.next();
            if (e.getKey().fileId() == fileId) {
                used -= e.getValue().charge();
                it.remove();
            }
        }
    }

    synchronized long hits() {
        return hits;
    }

    synchronized long misses() {
        return misses;
    }

    /** @return the sum of the cached blocks' charges, at most {@link #capacity()} */
    synchronized long usedBytes() {
        return used;
    }

    /** @return the number of cached blocks */
    synchronized int size() {
        return blocks.size();
    }

    long capacity() {
        return capacity;
    }

    @Override
    public synchronized String toString() {
        return "BlockCache[" + used + "/" + capacity + " bytes, " + blocks.size() + " blocks, hits=" + hits
                + ", misses=" + misses + "]";
    }
}
