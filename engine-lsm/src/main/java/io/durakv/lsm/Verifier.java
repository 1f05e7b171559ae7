package io.durakv.lsm;

import io.durakv.api.StoreException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The structural check of an LSM store ({@link LsmStore#verify()}): reads every live SSTable end to end (so every
 * block checksum is checked) and compares what it finds with what the manifest recorded; checks the level invariants
 * and the memtables' order. Stateless apart from its store; runs on the caller's thread.
 */
final class Verifier {

    private final Path dir;
    private final io.durakv.api.io.Disk disk;
    private final TableCache tableCache;

    Verifier(LsmStore store) {
        this(store.dir, store.disk, store.tableCache);
    }

    /** A verifier of the tables in {@code dir}, read through {@code tableCache} (the offline tools' own cache). */
    Verifier(Path dir, io.durakv.api.io.Disk disk, TableCache tableCache) {
        this.dir = dir;
        this.disk = disk;
        this.tableCache = tableCache;
    }

    void verify(View view, long coveredLsn) {
        verifyTables(view.version(), coveredLsn);
        checkMemtable(view.mem());
        view.immutables().forEach(this::checkMemtable);
    }

    /**
     * The durable part of {@link #verify}: every table of {@code v} end to end and the level invariants.
     *
     * @throws io.durakv.api.CorruptionException for damage in a table file
     * @throws StoreException                    for an inconsistency between the manifest and the tables
     */
    void verifyTables(Version v, long coveredLsn) {
        verifyTables(v, coveredLsn, problem -> {
            throw problem;
        });
    }

    /**
     * As {@link #verifyTables(Version, long)}, but hands each problem to {@code problems} and goes on: every table is
     * checked, whatever the ones before it hold (the offline {@code verify} reports every damaged file).
     */
    void verifyTables(Version v, long coveredLsn, Consumer<StoreException> problems) {
        Set<Long> numbers = new HashSet<>();
        for (int level = 0; level < LsmFormat.LEVELS; level++) {
            List<FileMeta> files = v.files(level);
            for (int i = 0; i < files.size(); i++) {
                FileMeta f = files.get(i);
                if (!numbers.add(f.number)) {
                    problems.accept(fail("file #" + f.number + " is listed twice"));
                    continue;
                }
                if (f.largestSequence > coveredLsn) {
                    problems.accept(fail("L" + level + " file " + f + " holds sequence numbers above the covered LSN "
                            + coveredLsn));
                }
                if (level > 0 && i > 0 && Arrays.compareUnsigned(files.get(i - 1).largest, f.smallest) >= 0) {
                    problems.accept(fail("L" + level + " files " + files.get(i - 1) + " and " + f
                            + " overlap or are unsorted"));
                }
                try {
                    checkTable(level, f);
                } catch (StoreException e) {
                    problems.accept(e);
                }
            }
        }
    }

    private void checkTable(int level, FileMeta f) {
        Path path = LsmFormat.sstPath(dir, f.number);
        try {
            long size;
            try (var file = disk.open(path, io.durakv.api.io.OpenMode.READ)) {
                size = file.size();
            }
            if (size != f.fileBytes) {
                throw fail("L" + level + " " + path + " is " + size + " bytes; the manifest says " + f.fileBytes);
            }
        } catch (IOException e) {
            throw new StoreException("verify cannot read " + path + ": " + e, e);
        }
        try (TableCache.Handle h = tableCache.acquire(f.number, path)) {
            // Every block from the file (not the cache): checksums, structure, order across blocks, index, properties.
            h.reader().verify();
            SstMeta m = h.reader().meta();
            if (m.entries() != f.entries || m.smallestSequence() != f.smallestSequence
                    || m.largestSequence() != f.largestSequence || !Arrays.equals(m.smallestKey(), f.smallest)
                    || !Arrays.equals(m.largestKey(), f.largest)) {
                throw fail("L" + level + " " + path + " describes itself as " + m + "; the manifest says " + f);
            }
        } catch (IOException e) {
            throw new StoreException("verify cannot read " + path + ": " + e, e);
        }
        long count = 0;
        byte[] prevKey = null;
        long prevSeq = 0;
        try (TableIterator it = TableIterator.open(tableCache, dir, f)) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                byte[] key = it.key();
                long seq = it.sequence();
                if (prevKey == null && !Arrays.equals(key, f.smallest)) {
                    throw fail(path + ": first key differs from the manifest's smallest key");
                }
                if (prevKey != null && EntryKind.compare(prevKey, prevSeq, key, seq) >= 0) {
                    throw fail(path + ": entry " + count + " is not after the one before it");
                }
                if (seq < f.smallestSequence || seq > f.largestSequence) {
                    throw fail(path + ": entry " + count + " has sequence " + seq + " outside the manifest's "
                            + f.smallestSequence + ".." + f.largestSequence);
                }
                if ((it.kind() == EntryKind.PUT) != (it.value() != null)) {
                    throw fail(path + ": entry " + count + " has kind " + it.kind() + " and a "
                            + (it.value() == null ? "missing" : "present") + " value");
                }
                prevKey = key.clone();
                prevSeq = seq;
                count++;
            }
        }
        if (count != f.entries) {
            throw fail(path + " holds " + count + " entries; the manifest says " + f.entries);
        }
        if (prevKey == null || !Arrays.equals(prevKey, f.largest)) {
            throw fail(path + ": last key differs from the manifest's largest key");
        }
    }

    private void checkMemtable(Memtable m) {
        byte[] prevKey = null;
        long prevSeq = 0;
        try (InternalIterator it = m.iterator()) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                if (prevKey != null && EntryKind.compare(prevKey, prevSeq, it.key(), it.sequence()) >= 0) {
                    throw fail("memtable entries out of order");
                }
                prevKey = it.key();
                prevSeq = it.sequence();
            }
        }
    }

    private StoreException fail(String what) {
        return new StoreException("verify of " + dir + " failed: " + what);
    }
}
