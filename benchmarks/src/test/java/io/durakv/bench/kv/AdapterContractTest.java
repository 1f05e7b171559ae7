package io.durakv.bench.kv;

import io.durakv.api.KeyValueStores;
import io.durakv.api.SyncMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every adapter kvbench can run here does the same thing: the comparison is only fair if it does. */
class AdapterContractTest {

    @TempDir
    Path dir;

    static Stream<String> engines() {
        return Engines.all().stream().filter(s -> Engines.unavailable(s) == null).map(Engines.Spec::name);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static AdapterSettings settings(SyncMode mode) {
        return new AdapterSettings(mode, 8L << 20, 3);
    }

    private static List<String> scan(EngineAdapter a, byte[] from, int limit) {
        List<String> seen = new ArrayList<>();
        int n = a.scan(from, limit, (k, v) -> seen.add(new String(k, StandardCharsets.UTF_8) + "="
                + new String(v, StandardCharsets.UTF_8)));
        assertThat(n).isEqualTo(seen.size());
        return seen;
    }

    @ParameterizedTest
    @MethodSource("engines")
    void putGetDeleteBatchScanAndReopen(String engine) {
        Engines.Spec spec = Engines.byName(engine);
        Path store = dir.resolve(engine);
        KeySpace keys = new KeySpace(16, 100, 1);
        try (EngineAdapter a = spec.open(store, settings(SyncMode.NONE))) {
            a.put(b("b"), b("2"));
            a.put(b("a"), b("1"));
            a.put(b("c"), b("3"));
            a.put(b("b"), b("two"));
            a.delete(b("c"));
            a.delete(b("never-written"));
            a.write(List.of(b("d"), b("\u00e9")), List.of(b("4"), b("5")));
            a.put(keys.key(7), keys.value(7, 100));
            assertThat(a.get(b("b"))).isEqualTo(b("two"));
            assertThat(a.get(b("c"))).isNull();
            assertThat(a.get(b("zz"))).isNull();
            assertThat(a.get(keys.key(7))).isEqualTo(keys.value(7, 100));
            assertThat(a.get(keys.missingKey(7))).isNull();
            a.endThread();
            // Keys in unsigned byte order: "é" (0xC3 0xA9) after ASCII; the binary key (0x00 ...) first.
            assertThat(scan(a, b("a"), 10)).containsExactly("a=1", "b=two", "d=4", "\u00e9=5");
            assertThat(scan(a, b("bb"), 2)).containsExactly("d=4", "\u00e9=5");
            assertThat(scan(a, null, 2)).hasSize(2).element(1).isEqualTo("a=1");
            // A visitor that returns false ends the scan after that entry (kvbench's time cap on readseq).
            List<String> stopped = new ArrayList<>();
            assertThat(a.scan(b("a"), 10, (k, v) -> stopped.add(new String(k, StandardCharsets.UTF_8))
                    && stopped.size() < 2)).isEqualTo(2);
            assertThat(stopped).containsExactly("a", "b");
            a.sync();
        }
        try (EngineAdapter a = spec.open(store, settings(SyncMode.SYNC))) {
            assertThat(a.get(b("a"))).isEqualTo(b("1"));
            assertThat(a.get(b("b"))).isEqualTo(b("two"));
            assertThat(a.get(b("c"))).isNull();
            assertThat(a.get(b("\u00e9"))).isEqualTo(b("5"));
            a.put(b("f"), b("6"));
            a.endThread();
        }
        try (EngineAdapter a = spec.open(store, settings(SyncMode.NONE))) {
            assertThat(a.get(b("f"))).isEqualTo(b("6"));
            assertThat(scan(a, null, 100)).hasSize(6);
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void concurrentWritersEachEndingTheirThreadLeaveEveryWrite(String engine) throws Exception {
        Engines.Spec spec = Engines.byName(engine);
        Path store = dir.resolve(engine + "-mt");
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        try (EngineAdapter a = spec.open(store, settings(SyncMode.NONE))) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                threads.add(new Thread(() -> {
                    try {
                        for (int i = 0; i < 50; i++) {
                            a.put(b("t" + id + "-" + (100 + i)), b("v" + i));
                            assertThat(a.get(b("t" + id + "-" + (100 + i)))).isEqualTo(b("v" + i));
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    } finally {
                        a.endThread();
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
        }
        assertThat(errors).isEmpty();
        try (EngineAdapter a = spec.open(store, settings(SyncMode.NONE))) {
            assertThat(scan(a, null, 1000)).hasSize(200);
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void engineListIncludesEveryPeerAndTheDuraKvEnginesThatArePresent(String engine) {
        Engines.Spec spec = Engines.byName(engine);
        if (spec.durakv()) {
            assertThat(KeyValueStores.engines()).contains(engine);
        } else {
            assertThat(Engines.peersOf(EngineKind.BITCASK)).contains(spec);
        }
    }
}
