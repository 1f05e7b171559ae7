package io.durakv.bitcask;

import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Keeps data files from being deleted under a reader (docs/formats/bitcask.md, "Merge", step 6). Every lookup and
 * every open scan registers under the current epoch; a merge, after pointing the key directory at its new files,
 * advances the epoch and deletes the replaced files only once no reader of an older epoch remains. Readers never wait
 * for merges; a merge waits for readers (and a scan left open keeps old files until it is closed or the store is).
 *
 * <p>Thread-safe.
 */
final class Readers {

    private long epoch;
    /** Open readers per epoch. */
    private final TreeMap<Long, Integer> open = new TreeMap<>();

    /** @return the epoch to pass to {@link #exit} */
    synchronized long enter() {
        open.merge(epoch, 1, Integer::sum);
        return epoch;
    }

    synchronized void exit(long e) {
        open.computeIfPresent(e, (k, n) -> n == 1 ? null : n - 1);
        notifyAll();
    }

    /** @return the new epoch: readers entering from now on see the key directory as it is now */
    synchronized long advance() {
        return ++epoch;
    }

    /** @return whether no reader entered before epoch {@code e} is still open */
    synchronized boolean noneOlderThan(long e) {
        return open.isEmpty() || open.firstKey() >= e;
    }

    /**
     * Waits until no reader entered before epoch {@code e} is still open.
     *
     * @return false if {@code stop} turned true first
     */
    synchronized boolean awaitOlderThan(long e, BooleanSupplier stop) {
        while (!noneOlderThan(e)) {
            if (stop.getAsBoolean()) {
                return false;
            }
            try {
                wait(20);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
