package io.durakv.bitcask;

import java.util.ArrayList;
import java.util.List;

/**
 * Walks the key directory in chunks of entry numbers, each under the directory's read lock only while it is copied,
 * so that a long walk (merge, verify) never holds writers up for more than one chunk. Entries never move while their
 * key is live ({@link KeyDir}), so every key live throughout the walk is seen exactly once; keys written during the
 * walk may or may not be seen.
 */
final class DirectoryWalk {

    /** Entry numbers per chunk. */
    static final int CHUNK = 1024;

    /** A live entry as copied: the key, the LSN of its record and the record's location. */
    record Entry(byte[] key, long lsn, long location) {
    }

    private DirectoryWalk() {
    }

    /**
     * @return the live entries with LSN below {@code belowLsn} among entry numbers {@code [from, from + CHUNK)}, or
     *         null once {@code from} is past the last entry number
     */
    static List<Entry> chunk(BitcaskStore store, int from, long belowLsn) {
        store.keysLock.readLock().lock();
        try {
            KeyDir keys = store.keys;
            int limit = keys.limit();
            if (from >= limit) {
                return null;
            }
            List<Entry> entries = new ArrayList<>();
            for (int e = from; e < Math.min(limit, from + CHUNK); e++) {
                if (keys.isLive(e) && keys.lsn(e) < belowLsn) {
                    entries.add(new Entry(keys.key(e), keys.lsn(e), keys.location(e)));
                }
            }
            return entries;
        } finally {
            store.keysLock.readLock().unlock();
        }
    }
}
