package io.durakv.bench.kv;

import io.durakv.api.KeyValueStores;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Every engine kvbench knows: DuraKV's three, then the peers. */
public final class Engines {

    /** Opens an engine's adapter on a directory. */
    @FunctionalInterface
    interface Opener {
        EngineAdapter open(Path dir, AdapterSettings settings);
    }

    /**
     * One engine.
     *
     * @param name   the name on the command line and in the report
     * @param kind   its design family
     * @param durakv true for DuraKV's own engines
     * @param label  a human name with the library, for the report
     */
    public record Spec(String name, EngineKind kind, boolean durakv, String label, Opener opener) {
        /** Opens the engine on {@code dir}, created first if missing (some peers want it to exist). */
        public EngineAdapter open(Path dir, AdapterSettings settings) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + dir + ": " + e, e);
            }
            return opener.open(dir, settings);
        }
    }

    private static final List<Spec> ALL = List.of(
            durakv("btree", EngineKind.BTREE),
            durakv("lsm", EngineKind.LSM),
            durakv("bitcask", EngineKind.BITCASK),
            new Spec("rocksdb", EngineKind.LSM, false, "RocksDB (rocksdbjni)", RocksDbAdapter::new),
            new Spec("leveldb", EngineKind.LSM, false, "LevelDB (iq80, pure Java)", LevelDbAdapter::new),
            new Spec("lmdb", EngineKind.BTREE, false, "LMDB (lmdbjava)", LmdbAdapter::new),
            new Spec("mvstore", EngineKind.BTREE, false, "H2 MVStore", MvStoreAdapter::new),
            new Spec("xodus", EngineKind.BTREE, false, "Xodus", XodusAdapter::new),
            new Spec("mapdb", EngineKind.BTREE, false, "MapDB", MapDbAdapter::new));

    /** The in-memory warm-up engine: not a benchmark subject, never listed in {@link #all()}. */
    static final Spec WARMUP = new Spec("warmup", EngineKind.BTREE, false, "in-memory warm-up",
            (dir, s) -> new HeapAdapter(dir, s));

    private Engines() {
    }

    private static Spec durakv(String name, EngineKind kind) {
        return new Spec(name, kind, true, "DuraKV " + name, (dir, s) -> new DuraKvAdapter(name, dir, s));
    }

    /** @return every engine, DuraKV's first */
    public static List<Spec> all() {
        return ALL;
    }

    /** @return the names of every engine */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        ALL.forEach(s -> names.add(s.name()));
        return names;
    }

    /** @throws IllegalArgumentException if no engine has that name */
    public static Spec byName(String name) {
        for (Spec s : ALL) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + name + "'; known: " + names());
    }

    /**
     * @return null if the engine can run here, else why not: a DuraKV engine that
     * {@link KeyValueStores#engines()} does not list is not implemented (or not on the class path) yet
     */
    public static String unavailable(Spec spec) {
        if (spec.durakv()) {
            Set<String> present = KeyValueStores.engines();
            if (!present.contains(spec.name())) {
                return "DuraKV engine '" + spec.name() + "' is not on the class path yet (KeyValueStores.engines() = "
                        + present + "); it is measured automatically once it lands";
            }
        }
        return null;
    }

    /**
     * @return the peers a DuraKV engine of this kind is judged against: LSM against RocksDB and LevelDB, B+tree
     * against LMDB, MVStore, Xodus and MapDB, Bitcask against every peer (the best point-operation figure)
     */
    public static List<Spec> peersOf(EngineKind kind) {
        List<Spec> peers = new ArrayList<>();
        for (Spec s : ALL) {
            if (!s.durakv() && (kind == EngineKind.BITCASK || s.kind() == kind)) {
                peers.add(s);
            }
        }
        return peers;
    }
}
