package io.durakv.api;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * Opens stores by engine name. Engines are found on the class path with {@link ServiceLoader}.
 *
 * <pre>{@code
 * try (KeyValueStore store = KeyValueStores.open("lsm", Path.of("data"))) {
 *     store.put(key, value);
 * }
 * }</pre>
 */
public final class KeyValueStores {

    private KeyValueStores() {
    }

    /**
     * Opens (creating if needed) the store in {@code dir} with the named engine.
     *
     * @throws IllegalArgumentException if no engine of that name is on the class path (the message lists the known
     *                                  ones), or an option is not valid for it
     * @throws StoreLockedException     if the directory is already open
     * @throws CorruptionException      if durable data is damaged
     */
    public static KeyValueStore open(String engine, Path dir, StoreOptions options) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        Map<String, StorageEngine> found = load();
        StorageEngine e = found.get(engine);
        if (e == null) {
            throw new IllegalArgumentException("unknown engine '" + engine + "'; known engines: " + found.keySet());
        }
        return e.open(dir, options);
    }

    /** Opens the store in {@code dir} with {@link StoreOptions#defaults()} ({@link SyncMode#SYNC}). */
    public static KeyValueStore open(String engine, Path dir) {
        return open(engine, dir, StoreOptions.defaults());
    }

    /** @return the names of the engines found on the class path, sorted */
    public static Set<String> engines() {
        return Collections.unmodifiableSet(load().keySet());
    }

    private static Map<String, StorageEngine> load() {
        Map<String, StorageEngine> byName = new TreeMap<>();
        for (StorageEngine e : ServiceLoader.load(StorageEngine.class, KeyValueStores.class.getClassLoader())) {
            byName.putIfAbsent(e.name(), e);
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null && context != KeyValueStores.class.getClassLoader()) {
            for (StorageEngine e : ServiceLoader.load(StorageEngine.class, context)) {
                byName.putIfAbsent(e.name(), e);
            }
        }
        return byName;
    }
}
