package io.durakv.api.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Service-provider interface for the offline tools of one engine ({@link DuraKvTool}): each engine module registers an
 * implementation in {@code META-INF/services/io.durakv.api.tools.StoreInspector}. Every method works on a
 * <b>closed</b> store and never changes a byte of it: no recovery runs, nothing is repaired, no file is created.
 * Implementations take the store's directory lock while they read, where the store has one, and refuse with
 * {@link io.durakv.api.StoreLockedException} if the store is open.
 *
 * <p>Implementations must have a public no-argument constructor and be stateless.
 */
public interface StoreInspector {

    /** @return the engine's name, as {@link io.durakv.api.StorageEngine#name()} */
    String engine();

    /**
     * Checks every checksum and structural invariant of the store in {@code dir}, printing one line per finding to
     * {@code report}: what is wrong and where (file and byte offset), or a note about a state recovery handles (an
     * unforced log tail, an interrupted rotation).
     *
     * @return whether the store is undamaged (notes allowed, no damage)
     * @throws IOException if a file cannot be read at all
     */
    boolean verify(Path dir, PrintStream report) throws IOException;

    /**
     * Prints the contents of one file of a store, human-readable: headers, records or pages with their fields, and
     * where the first damage is, if any.
     *
     * @throws IllegalArgumentException if the file is not one this engine writes
     * @throws IOException              if the file cannot be read
     */
    void dump(Path file, PrintStream out) throws IOException;

    /**
     * Prints statistics of the store in {@code dir}: its files, their sizes, levels where the engine has them, live
     * and dead bytes, and the key count.
     *
     * @throws io.durakv.api.CorruptionException if a structure needed for the figures is damaged
     * @throws IOException                       if a file cannot be read
     */
    void stats(Path dir, PrintStream out) throws IOException;
}
