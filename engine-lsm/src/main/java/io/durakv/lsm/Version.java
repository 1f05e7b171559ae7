package io.durakv.lsm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One immutable state of the live SSTables: a list of files per level. L0 files may overlap and are kept newest first
 * (by largest sequence); the files of L1 and below never overlap and are kept by smallest key. A version is
 * reference-counted by the {@link VersionSet}: the current version holds one reference and every open read or
 * iterator holds one, so the files a version lists stay on disk while anyone may read them.
 */
final class Version {

    static final Comparator<FileMeta> NEWEST_FIRST = Comparator.<FileMeta>comparingLong(f -> f.largestSequence)
            .thenComparingLong(f -> f.number).reversed();
    static final Comparator<FileMeta> BY_SMALLEST = (a, b) -> {
        int c = Arrays.compareUnsigned(a.smallest, b.smallest);
        return c != 0 ? c : Long.compare(a.number, b.number);
    };

    private final List<List<FileMeta>> levels;
    /** References to this version. Guarded by the {@link VersionSet}'s lock. */
    int refs;

    Version(List<List<FileMeta>> levels) {
        List<List<FileMeta>> copy = new ArrayList<>(LsmFormat.LEVELS);
        for (int l = 0; l < LsmFormat.LEVELS; l++) {
            List<FileMeta> files = new ArrayList<>(l < levels.size() ? levels.get(l) : List.of());
            files.sort(l == 0 ? NEWEST_FIRST : BY_SMALLEST);
            copy.add(List.copyOf(files));
        }
        this.levels = List.copyOf(copy);
    }

    static Version empty() {
        return new Version(List.of());
    }

    /**
     * @return the version this edit leads to
     * @throws IllegalStateException if the edit deletes a file that is not in its level or adds one already present
     */
    Version apply(VersionEdit edit) {
        List<Map<Long, FileMeta>> next = new ArrayList<>();
        Map<Long, Integer> levelOf = new HashMap<>();
        for (int l = 0; l < LsmFormat.LEVELS; l++) {
            Map<Long, FileMeta> m = new HashMap<>();
            for (FileMeta f : levels.get(l)) {
                m.put(f.number, f);
                levelOf.put(f.number, l);
            }
            next.add(m);
        }
        for (VersionEdit.Deleted d : edit.deleted()) {
            if (next.get(d.level()).remove(d.number()) == null) {
                throw new IllegalStateException("edit deletes file #" + d.number() + " which is not in L" + d.level());
            }
            levelOf.remove(d.number());
        }
        for (VersionEdit.Added a : edit.added()) {
            if (levelOf.containsKey(a.file().number)) {
                throw new IllegalStateException("edit adds file #" + a.file().number + " which is already in L"
                        + levelOf.get(a.file().number));
            }
            next.get(a.level()).put(a.file().number, a.file());
            levelOf.put(a.file().number, a.level());
        }
        List<List<FileMeta>> lists = new ArrayList<>();
        for (Map<Long, FileMeta> m : next) {
            lists.add(new ArrayList<>(m.values()));
        }
        return new Version(lists);
    }

    /** @return the files of {@code level}: L0 newest first, deeper levels by smallest key */
    List<FileMeta> files(int level) {
        return levels.get(level);
    }

    /** @return every live file */
    List<FileMeta> allFiles() {
        List<FileMeta> all = new ArrayList<>();
        levels.forEach(all::addAll);
        return all;
    }

    long levelBytes(int level) {
        long n = 0;
        for (FileMeta f : levels.get(level)) {
            n += f.fileBytes;
        }
        return n;
    }

    /** @return the files of {@code level} whose range overlaps [{@code lo}, {@code hi}] (null bounds are open) */
    List<FileMeta> overlapping(int level, byte[] lo, byte[] hi) {
        List<FileMeta> out = new ArrayList<>();
        for (FileMeta f : levels.get(level)) {
            if (f.overlaps(lo, hi)) {
                out.add(f);
            }
        }
        return out;
    }

    /** @return the file of level {@code level >= 1} that may hold {@code key}, or null (binary search by range) */
    FileMeta fileFor(int level, byte[] key) {
        List<FileMeta> files = levels.get(level);
        int lo = 0;
        int hi = files.size();
        while (lo < hi) { // first file whose largest key is >= key
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(files.get(mid).largest, key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo == files.size() || Arrays.compareUnsigned(files.get(lo).smallest, key) > 0) {
            return null;
        }
        return files.get(lo);
    }

    /** @return the edit that builds this version from nothing (the first record of a rewritten manifest) */
    List<VersionEdit.Added> asAdded() {
        List<VersionEdit.Added> out = new ArrayList<>();
        for (int l = 0; l < LsmFormat.LEVELS; l++) {
            for (FileMeta f : levels.get(l)) {
                out.add(new VersionEdit.Added(l, f));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Version[");
        for (int l = 0; l < LsmFormat.LEVELS; l++) {
            if (!levels.get(l).isEmpty()) {
                sb.append(" L").append(l).append('=').append(levels.get(l));
            }
        }
        return sb.append(" ]").toString();
    }
}
