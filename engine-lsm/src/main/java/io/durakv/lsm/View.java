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

    /** @return the view after {@code flushed} (the oldest immutable memtable) became a table of {@code next} */
    View flushed(Memtable flushed, Version next) {
        List<Memtable> imms = new ArrayList<>(immutables);
        if (imms.isEmpty() || imms.get(imms.size() - 1) != flushed) {
            throw new IllegalStateException("the flushed memtable is not the oldest immutable one");
        }
        imms.remove(imms.size() - 1);
        return new View(mem, List.copyOf(imms), next);
    }

    View withVersion(Version next) {
        return new View(mem, immutables, next);
    }

    /** @return the oldest immutable memtable, or null */
    Memtable oldestImmutable() {
        return immutables.isEmpty() ? null : immutables.get(immutables.size() - 1);
    }
}
