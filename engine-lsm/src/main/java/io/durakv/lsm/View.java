package io.durakv.lsm;

import java.util.ArrayList;
import java.util.List;

/**
 * What a read sees: the mutable memtable, the immutable memtables waiting for flush (newest first), the SSTable
 * version. Swapped as a whole under the {@link VersionSet}'s monitor; a reader that takes the view and the store's
 * last applied sequence number inside that monitor finds every record up to that number in exactly one of these
 * sources, and no SSTable of the view holds a record above it (a memtable is made immutable only after its last
 * record was published, and flushed only after that). Immutable.
 */
record View(Memtable mem, List<Memtable> immutables, Version version) {

    /** @return the view with {@code mem} made immutable and {@code fresh} taking writes */
    View rotate(Memtable fresh) {
        List<Memtable> imms = new ArrayList<>(immutables.size() + 1);
        imms.add(mem);
        imms.addAll(immutables);
        return new View(fresh, List.copyOf(imms), version);
    }

    /**
     * @return the view after {@code flushed} (the oldest immutable memtables, newest first, as {@link #oldestImmutables}
     *         gave them) became a table of {@code next}
     */
    View flushed(List<Memtable> flushed, Version next) {
        int keep = immutables.size() - flushed.size();
        if (flushed.isEmpty() || keep < 0) {
            throw new IllegalStateException("the flushed memtables are not the oldest immutable ones");
        }
        for (int i = 0; i < flushed.size(); i++) {
            if (immutables.get(keep + i) != flushed.get(i)) {
                throw new IllegalStateException("the flushed memtables are not the oldest immutable ones");
            }
        }
        return new View(mem, List.copyOf(immutables.subList(0, keep)), next);
    }

    View withVersion(Version next) {
        return new View(mem, immutables, next);
    }

    /** @return the oldest immutable memtable, or null */
    Memtable oldestImmutable() {
        return immutables.isEmpty() ? null : immutables.get(immutables.size() - 1);
    }

    /** @return the oldest {@code min(max, waiting)} immutable memtables, newest first (empty if none waits) */
    List<Memtable> oldestImmutables(int max) {
        int n = Math.min(max, immutables.size());
        return List.copyOf(immutables.subList(immutables.size() - n, immutables.size()));
    }
}
