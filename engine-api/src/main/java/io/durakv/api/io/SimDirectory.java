package io.durakv.api.io;

import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A directory of a {@link SimulatedDisk}: its current entries, which every call sees, and its durable entries, the
 * ones a power loss is sure to keep. {@link #force()} makes the current entries durable, as {@code fsync} of a
 * directory does. Sorted maps, so that listings and crash images iterate in a deterministic order.
 *
 * <p>Not thread-safe: guarded by the disk's monitor.
 */
final class SimDirectory implements SimNode {

    private final TreeMap<String, SimNode> current = new TreeMap<>();
    private TreeMap<String, SimNode> durable = new TreeMap<>();

    /** @return the node currently named {@code name}, or null */
    SimNode get(String name) {
        return current.get(name);
    }

    /** @return the node {@code name} names in the durable entries, or null */
    SimNode durable(String name) {
        return durable.get(name);
    }

    void put(String name, SimNode node) {
        current.put(name, node);
    }

    void remove(String name) {
        current.remove(name);
    }

    boolean isEmpty() {
        return current.isEmpty();
    }

    /** @return the current names, sorted (a live view: copy before changing this directory) */
    NavigableSet<String> names() {
        return current.navigableKeySet();
    }

    /** @return every name that is current or durable, sorted: the names a crash decides about */
    NavigableSet<String> currentAndDurableNames() {
        TreeSet<String> names = new TreeSet<>(current.keySet());
        names.addAll(durable.keySet());
        return names;
    }

    /** Makes the current entries durable. */
    void force() {
        durable = new TreeMap<>(current);
    }
}
