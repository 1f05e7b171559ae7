package io.durakv.bitcask;

import java.util.Iterator;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Keeps data files from being deleted under a reader (docs/formats/bitcask.md, "Merge", step 6). Every lookup and
 * every open scan registers under the current epoch; a merge, after pointing the key directory at its new files,
 * advances the epoch and deletes the replaced files only once no reader of an older epoch remains. Readers never wait
 * for merges; a merge waits for readers (and a scan left open keeps old files until it is closed or the store is).
 *
 * <p>Registering costs two atomic updates of the current epoch's counter and no lock: a reader increments the
 * counter of the epoch it read, then checks that the epoch is still current; if a merge advanced it meanwhile, the
 * reader takes its increment back and registers under the new epoch. A merge advances the epoch (publishing the new
 * one) before it reads the old epochs' counters, so either it sees the increment or the reader sees the new epoch.
 *
 * <p>Thread-safe.
 */
final class Readers {

    /** One epoch's count of open readers. */
    private static final class Epoch {
        final long number;
        final AtomicInteger open = new AtomicInteger();

        Epoch(long number) {
            this.number = number;
        }
    }

    private volatile Epoch current = new Epoch(0);
    /** Epochs before the current one that may still have readers, by number. Guarded by this. */
    private final TreeMap<Long, Epoch> older = new TreeMap<>();

    /** @return the epoch to pass to {@link #exit} */
    long enter() {
        while (true) {
            Epoch e = current;
            e.open.incrementAndGet();
            if (current == e) {
                return e.number;
            }
            release(e); // a merge advanced the epoch meanwhile: register under the new one
        }
    }

    void exit(long number) {
        Epoch e = current;
        if (e.number != number) {
            synchronized (this) {
                e = older.get(number); // kept while it has readers
            }
        }
        release(e);
    }

    private void release(Epoch e) {
        if (e.open.decrementAndGet() == 0 && e != current) {
            synchronized (this) {
                notifyAll(); // a merge may be waiting for the last reader of an old epoch
            }
        }
    }

    /** @return the new epoch: readers entering from now on see the key directory as it is now */
    synchronized long advance() {
        Epoch old = current;
        older.put(old.number, old);
        current = new Epoch(old.number + 1);
        return current.number;
    }

    /** @return whether no reader entered before epoch {@code e} is still open */
    synchronized boolean noneOlderThan(long e) {
        boolean none = true;
        for (Iterator<Epoch> it = older.values().iterator(); it.hasNext(); ) {
            Epoch old = it.next();
            if (old.open.get() == 0) {
                it.remove(); // no reader can register under it any more (it is not current): done with it
            } else if (old.number < e) {
                none = false;
            }
        }
        Epoch now = current;
        return none && (now.number >= e || now.open.get() == 0);
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
