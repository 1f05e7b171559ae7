package io.durakv.bench;

import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.KeyValueStores;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.bench.kv.KeySpace;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * CPU time per read of the btree engine over 1 M keys laid out as kvbench's (16 bytes, the big-endian number
 * {@code 2 i} in the last 8): per round 300 k random gets, 200 k gets of absent keys between existing ones and 50 k
 * seeks reading 10 entries, timed with the reading thread's CPU time, which a loaded machine disturbs less than
 * wall time (docs/benchmarks/btree.md, round 5). Run two jars at the same time to compare them under the same load.
 *
 * <p>Usage: {@code java -cp durakv-bench.jar io.durakv.bench.BTreeReadProbe DIR load|read|loadread}: {@code load}
 * puts the keys in random order (100-byte values, NONE) into a new store, {@code read} reads an existing one (copy
 * it first: reads change nothing, but a reopen replays and checkpoints), {@code loadread} does both in one JVM, as
 * kvbench does.
 */
public final class BTreeReadProbe {

    private static final int KEYS = 1_000_000;

    private BTreeReadProbe() {
    }

    /** kvbench's keys: {@code key(i)} is in the store, {@code missingKey(i)} falls between two that are. */
    private static final KeySpace KEYS_OF_KVBENCH = new KeySpace(16, 100, 42);

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[1].matches("load|read|loadread")) {
            System.err.println("usage: BTreeReadProbe DIR load|read|loadread");
            System.exit(2);
        }
        StoreOptions options = StoreOptions.builder().syncMode(SyncMode.NONE).build();
        try (KeyValueStore s = KeyValueStores.open("btree", Path.of(args[0]), options)) {
            if (!args[1].equals("read")) {
                load(s);
            }
            if (!args[1].equals("load")) {
                read(s);
            }
        }
    }

    private static void load(KeyValueStore s) {
        List<Integer> order = new ArrayList<>(KEYS);
        for (int i = 0; i < KEYS; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(1));
        byte[] value = KEYS_OF_KVBENCH.value(0, 100);
        for (int i : order) {
            s.put(KEYS_OF_KVBENCH.key(i), value);
        }
    }

    private static void read(KeyValueStore s) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Random r = new Random(2);
        for (int round = 0; round < 8; round++) {
            long c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < 300_000; i++) {
                if (s.get(KEYS_OF_KVBENCH.key(r.nextInt(KEYS))) == null) {
                    throw new IllegalStateException("a key of the store is missing");
                }
            }
            long c1 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < 200_000; i++) {
                if (s.get(KEYS_OF_KVBENCH.missingKey(r.nextInt(KEYS))) != null) {
                    throw new IllegalStateException("an absent key was found");
                }
            }
            long c2 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < 50_000; i++) {
                try (KeyValueIterator it = s.scan(KEYS_OF_KVBENCH.key(r.nextInt(KEYS)), null)) {
                    for (int k = 0; k < 10 && it.hasNext(); k++) {
                        it.next();
                    }
                }
            }
            long c3 = mx.getCurrentThreadCpuTime();
            System.out.printf(Locale.ROOT, "round %d: get %.3f us CPU, absent %.3f, seek+10 %.3f%n", round,
                    (c1 - c0) / 1e3 / 300_000, (c2 - c1) / 1e3 / 200_000, (c3 - c2) / 1e3 / 50_000);
        }
    }
}
