package io.durakv.api.testkit;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreOptions;
import io.durakv.api.WriteBatch;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stateful property test: random histories of put, delete, batch, get, scan, sync and reopen run against the store and
 * against a {@link TreeMap} model with the unsigned byte order; after every step the whole store (every key of the key
 * space by get, and a full scan) must equal the model. jqwik shrinks a failing history to a short one and prints its
 * seed. An engine module runs it by extending this class:
 *
 * <pre>{@code
 * class LsmPropertiesTest extends KeyValueStoreProperties {
 *     protected StoreFactory factory() { return new LsmEngine()::open; }
 * }
 * }</pre>
 *
 * <p>Shrinking is {@link ShrinkingMode#FULL}: jqwik's default 10-second bound stops long before a history of
 * fsyncing writes is minimal; a failing run may therefore take a minute, a passing one takes seconds.
 *
 * <p>The key space is small (20 short keys, among them the empty key, prefixes and bytes >= 0x80) so that overwrites
 * and deletes hit existing keys. Each try runs in a fresh temporary directory, deleted afterwards.
 */
public abstract class KeyValueStoreProperties {

    private static final List<byte[]> KEYS = List.of(
            new byte[]{}, new byte[]{0}, new byte[]{0, 0}, new byte[]{1}, new byte[]{1, 0}, new byte[]{1, 1},
            new byte[]{2}, new byte[]{0x7F}, new byte[]{(byte) 0x80}, new byte[]{(byte) 0x80, 0},
            new byte[]{(byte) 0xFE}, new byte[]{(byte) 0xFF}, new byte[]{(byte) 0xFF, 0},
            new byte[]{(byte) 0xFF, (byte) 0xFF}, bytes("a"), bytes("ab"), bytes("abc"), bytes("b"),
            bytes("ba"), bytes("key"));

    /** The try's store and its model; set while a property runs. */
    private Harness current;
    private Path tryDir;

    /** @return how to open the store under test */
    protected abstract StoreFactory factory();

    /** @return the options the store is opened with; the directory is a temporary one on the local disk */
    protected StoreOptions.Builder options() {
        return StoreOptions.builder().syncMode(KeyValueStoreContractTest.testSyncMode());
    }

    @Property(tries = 60, shrinking = ShrinkingMode.FULL)
    void storeBehavesLikeASortedMap(@ForAll("histories") ActionChain<Harness> chain) throws IOException {
        tryDir = Files.createTempDirectory("durakv-properties-");
        try {
            chain.withInvariant("store equals model", Harness::checkEverything).run();
        } finally {
            try {
                if (current != null && current.store != null) {
                    current.store.close();
                }
            } finally {
                current = null;
                deleteRecursively(tryDir);
            }
        }
    }

    @Provide
    Arbitrary<ActionChain<Harness>> histories() {
        return ActionChain.<Harness>startWith(this::startTry)
                .withAction(4, put())
                .withAction(2, delete())
                .withAction(2, batch())
                .withAction(2, get())
                .withAction(2, scan())
                .withAction(1, Action.just(Transformer.mutate("sync", h -> h.store.sync())))
                .withAction(1, Action.just(Transformer.mutate("reopen", Harness::reopen)))
                .withMaxTransformations(40);
    }

    private Harness startTry() {
        current = new Harness(factory(), tryDir, options().build());
        return current;
    }

    private static Arbitrary<byte[]> keys() {
        return Arbitraries.of(KEYS);
    }

    private static Arbitrary<byte[]> values() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(12);
    }

    private static Action.Independent<Harness> put() {
        return () -> Combinators.combine(keys(), values()).as((k, v) -> Transformer.mutate(
                "put " + hex(k) + " = " + hex(v), h -> h.put(k, v)));
    }

    private static Action.Independent<Harness> delete() {
        return () -> keys().map(k -> Transformer.mutate("delete " + hex(k), h -> h.delete(k)));
    }

    private static Action.Independent<Harness> batch() {
        Arbitrary<byte[][]> op = Combinators.combine(keys(), values().injectNull(0.3)).as((k, v) -> new byte[][]{k, v});
        return () -> op.list().ofMaxSize(6).map(ops -> Transformer.mutate(
                "batch " + ops.stream().map(o -> o[1] == null ? "delete " + hex(o[0]) : hex(o[0]) + "=" + hex(o[1]))
                        .collect(Collectors.joining(", ", "[", "]")),
                h -> h.batch(ops)));
    }

    private static Action.Independent<Harness> get() {
        return () -> keys().map(k -> Transformer.mutate("get " + hex(k), h -> h.checkGet(k)));
    }

    private static Action.Independent<Harness> scan() {
        Arbitrary<byte[]> bound = keys().injectNull(0.3);
        return () -> Combinators.combine(bound, bound).as((from, to) -> Transformer.mutate(
                "scan [" + hex(from) + ", " + hex(to) + ")", h -> h.checkScan(from, to)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String hex(byte[] b) {
        return b == null ? "null" : "'" + HexFormat.of().formatHex(b) + "'";
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The state of one try: the store under test and the model it must equal. Used from one thread. */
    static final class Harness {
        private final StoreFactory factory;
        private final Path dir;
        private final StoreOptions options;
        private final NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        private KeyValueStore store;

        Harness(StoreFactory factory, Path dir, StoreOptions options) {
            this.factory = factory;
            this.dir = dir;
            this.options = options;
            this.store = factory.open(dir, options);
        }

        void put(byte[] key, byte[] value) {
            store.put(key, value);
            model.put(key, value);
        }

        void delete(byte[] key) {
            store.delete(key);
            model.remove(key);
        }

        void batch(List<byte[][]> ops) {
            WriteBatch batch = new WriteBatch();
            for (byte[][] op : ops) {
                if (op[1] == null) {
                    batch.delete(op[0]);
                } else {
                    batch.put(op[0], op[1]);
                }
            }
            store.write(batch);
            for (byte[][] op : ops) {
                if (op[1] == null) {
                    model.remove(op[0]);
                } else {
                    model.put(op[0], op[1]);
                }
            }
        }

        void reopen() {
            store.close();
            store = null; // not reopened if open fails: nothing to close then
            store = factory.open(dir, options);
        }

        void checkGet(byte[] key) {
            assertThat(store.get(key)).as("get %s", hex(key)).isEqualTo(model.get(key));
        }

        void checkScan(byte[] from, byte[] to) {
            Map<byte[], byte[]> expected;
            if (from != null && to != null) {
                expected = Arrays.compareUnsigned(from, to) > 0 ? Map.of() : model.subMap(from, true, to, false);
            } else if (from != null) {
                expected = model.tailMap(from, true);
            } else if (to != null) {
                expected = model.headMap(to, false);
            } else {
                expected = model;
            }
            assertThat(scan(from, to)).as("scan [%s, %s)", hex(from), hex(to))
                    .containsExactlyElementsOf(entries(expected));
        }

        void checkEverything() {
            for (byte[] key : KEYS) {
                checkGet(key);
            }
            checkScan(null, null);
        }

        private List<KeyValue> scan(byte[] from, byte[] to) {
            List<KeyValue> seen = new ArrayList<>();
            try (KeyValueIterator it = store.scan(from, to)) {
                it.forEachRemaining(seen::add);
            }
            return seen;
        }

        private static List<KeyValue> entries(Map<byte[], byte[]> map) {
            List<KeyValue> list = new ArrayList<>();
            map.forEach((k, v) -> list.add(new KeyValue(k, v)));
            return list;
        }

        @Override
        public String toString() {
            return "Harness[" + dir + ", model of " + model.size() + " keys]";
        }
    }
}
