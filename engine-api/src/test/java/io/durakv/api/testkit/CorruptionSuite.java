package io.durakv.api.testkit;

import io.durakv.api.CorruptionException;
import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Corruption fuzzing (durability-contract.md, promise 3): a closed store with known content — built with small
 * thresholds, so that it has files of every kind its engine writes — gets one seeded damage in one file: random bit
 * flips, a range of zeros, a range of garbage, or a truncation, at a random place, at the file's head (headers) or at
 * its tail. Then it is opened and read whole (a full scan and a {@code get} of every key ever written). The only
 * allowed outcomes are the right data, or a {@link CorruptionException} naming a file of the store and an offset, from
 * open or from a read. Wrong data, a missing or invented key, any other exception type (a {@code StoreException}
 * wrapping an {@code EOFException}, {@code NullPointerException}, {@code ArrayIndexOutOfBoundsException},
 * {@code OutOfMemoryError} from a damaged length) and a hang ({@link #timeout()}) fail the property, which jqwik then
 * reports with its seed.
 *
 * <p>The damaged store is a copy on a {@link SimulatedDisk}: the template is built once per class and each try starts
 * from {@link SimulatedDisk#crash} of it (a closed store has everything forced, so the copy is exact).
 *
 * <p>Extend it with the engine's factory, its properties and, to name the kinds of file in the report, {@link #kindOf}.
 * A summary of the outcomes per kind of file and damage is printed after the run (docs/reliability.md quotes it).
 */
public abstract class CorruptionSuite {

    /** The store's directory on the simulated disk. */
    protected static final Path DIR = Path.of("/db");

    /** Outcome counts by "engine | file kind | damage | outcome", across the run. */
    private static final ConcurrentMap<String, AtomicLong> OUTCOMES = new ConcurrentHashMap<>();

    private SimulatedDisk template;
    private NavigableMap<byte[], byte[]> expected;
    private List<byte[]> everyKey;
    private List<String> files;

    /** @return how to open the store under test */
    protected abstract StoreFactory factory();

    /** @return a short name for the summary */
    protected abstract String engine();

    /** @return engine properties for every open; small thresholds give several files of every kind */
    protected Map<String, String> properties() {
        return Map.of();
    }

    /** @return a name for the kind of file at {@code relative} (path inside the store directory), for the summary */
    protected String kindOf(String relative) {
        return relative;
    }

    /** @return whether a file may be damaged (not the lock file, whose content nobody reads) */
    protected boolean damageable(String relative) {
        return !relative.equals("LOCK");
    }

    /**
     * Names damage the engine is documented not to detect, so that the run reports it as a known limit instead of
     * failing: wrong data after such damage is counted as "UNDETECTED (known limit)" in the summary and printed with
     * the case. Everything else stays strict. None by default; an engine overriding this must document the case in
     * its format doc and in docs/reliability.md.
     *
     * @param template the undamaged store
     * @param file     the damaged file, relative to the store directory
     * @param from     the first damaged byte
     * @param to       the end of the damaged range (the old size, for a truncation)
     * @return the documented reason, or null if the engine must detect this damage
     */
    protected String knownUndetectable(SimulatedDisk template, String file, long from, long to) throws IOException {
        return null;
    }

    /** @return how long opening and reading a damaged store may take before it counts as a hang */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    /** Writes the known content; override for an engine that needs another shape. The model gets every change. */
    protected void populate(KeyValueStore store, NavigableMap<byte[], byte[]> model, List<byte[]> keys) {
        writeDefaultContent(store, model, keys);
    }

    /** @return the 150 keys the suite writes and reads ({@code key-0000}, {@code key-0007}, …) */
    public static List<byte[]> defaultKeys() {
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            keys.add(String.format("key-%04d", i * 7).getBytes(StandardCharsets.US_ASCII));
        }
        return keys;
    }

    /**
     * Writes the suite's default content (600 seeded puts, deletes and 4-key batches over {@code keys}), for tests
     * that reproduce a case the suite found on the same store. The model gets every change.
     */
    public static void writeDefaultContent(KeyValueStore store, NavigableMap<byte[], byte[]> model,
                                           List<byte[]> keys) {
        Random rnd = new Random(20261124L);
        for (int i = 0; i < 600; i++) {
            byte[] key = keys.get(rnd.nextInt(keys.size()));
            int dice = rnd.nextInt(10);
            if (dice < 6) {
                byte[] value = value(rnd, i);
                store.put(key, value);
                model.put(key, value);
            } else if (dice < 8) {
                store.delete(key);
                model.remove(key);
            } else {
                WriteBatch b = new WriteBatch();
                for (int j = 0; j < 4; j++) {
                    byte[] k = keys.get(rnd.nextInt(keys.size()));
                    byte[] v = value(rnd, i * 10 + j);
                    b.put(k, v);
                    model.put(k, v);
                }
                store.write(b);
            }
        }
    }

    private static byte[] value(Random rnd, int tag) {
        // Mostly small, some over a page (overflow chains, big log records).
        int n = rnd.nextInt(6) == 0 ? 1000 + rnd.nextInt(3000) : rnd.nextInt(100);
        byte[] v = new byte[n + 8];
        rnd.nextBytes(v);
        ByteBuffer.wrap(v).putInt(tag).putInt(n);
        return v;
    }

    /** One seeded damage: which file, what, where. */
    public record Damage(int fileChoice, Kind kind, Region region, double position, int length, long seed) {

        /** What is done to the bytes. */
        public enum Kind { BIT_FLIPS, ZEROS, GARBAGE, TRUNCATE }

        /** Where in the file: anywhere, in its first 8 KiB (headers, first records), or its last 8 KiB. */
        public enum Region { ANYWHERE, HEAD, TAIL }

        long offset(long size) {
            long window = Math.min(size, 8192);
            long at = switch (region) {
                case ANYWHERE -> (long) (position * size);
                case HEAD -> (long) (position * window);
                case TAIL -> size - window + (long) (position * window);
            };
            return Math.max(0, Math.min(size - 1, at));
        }
    }

    @Provide
    Arbitrary<Damage> damages() {
        return Combinators.combine(Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.of(Damage.Kind.class), Arbitraries.of(Damage.Region.class),
                Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(1, 4096),
                Arbitraries.longs()).as(Damage::new);
    }

    @Property(tries = 400)
    void damagedStoreGivesTheRightDataOrCorruptionExceptionNamingFileAndOffset(@ForAll("damages") Damage damage)
            throws IOException {
        buildTemplate();
        SimulatedDisk disk = template.crash(damage.seed());
        String file = files.get(damage.fileChoice() % files.size());
        String what = damage + " to " + file;
        long[] range = apply(disk, DIR.resolve(file), damage);
        if (range == null) {
            count(file, damage, "unchanged (empty file)");
            return;
        }
        String limit = knownUndetectable(template, file, range[0], range[1]);
        String outcome = assertTimeoutPreemptively(timeout(), () -> openAndReadEverything(disk, what, limit),
                () -> "opening and reading hung after " + what);
        count(file, damage, outcome);
    }

    /** @return "detected" or "harmless"; fails the property on any other outcome */
    private String openAndReadEverything(SimulatedDisk disk, String what, String knownLimit) {
        KeyValueStore store = null;
        try {
            store = factory().open(DIR, options(disk));
            readAndCompare(store, what);
            store.close();
            store = null;
            // Recovery may have repaired what it may (a cut-off unforced tail): a second open must agree.
            try (KeyValueStore again = factory().open(DIR, options(disk))) {
                readAndCompare(again, what + " (second open)");
            }
            return "harmless";
        } catch (CorruptionException e) {
            if (e.file() == null || e.offset() < 0 || !e.file().toAbsolutePath().startsWith(DIR)
                    || !e.getMessage().contains(" at offset ")) {
                throw new AssertionError(what + ": CorruptionException without a file of the store and an offset: "
                        + e.getMessage(), e);
            }
            return "detected";
        } catch (AssertionError e) {
            if (knownLimit != null && e.getMessage() != null && e.getMessage().contains("WRONG DATA")) {
                System.out.println("UNDETECTED (known limit: " + knownLimit + "): " + what);
                return "UNDETECTED (known limit)";
            }
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(what + ": " + e.getClass().getName() + " instead of the right data or a"
                    + " CorruptionException: " + e.getMessage(), e);
        } finally {
            if (store != null) {
                try {
                    store.close();
                } catch (CorruptionException ignored) {
                    // Already reported through the outcome; close of a store that read damage may fail too.
                } catch (RuntimeException e) {
                    throw new AssertionError(what + ": close threw " + e, e);
                }
            }
        }
    }

    private void readAndCompare(KeyValueStore store, String what) {
        NavigableMap<byte[], byte[]> seen = StoreReads.scanOrdered(store, what);
        List<String> diff = CrashOracle.differences(expected, seen);
        if (!diff.isEmpty()) {
            throw new AssertionError(what + ": WRONG DATA from scan: " + diff);
        }
        for (byte[] key : everyKey) {
            byte[] got = store.get(key);
            if (!Arrays.equals(got, expected.get(key))) {
                throw new AssertionError(what + ": WRONG DATA from get(" + WorkOp.text(key) + "): "
                        + (got == null ? "null" : got.length + " bytes") + ", expected "
                        + (expected.get(key) == null ? "null" : expected.get(key).length + " bytes"));
            }
        }
    }

    /** Applies the damage to {@code file}; @return the damaged byte range, or null if the file was empty */
    private static long[] apply(Disk disk, Path file, Damage d) throws IOException {
        Random rnd = new Random(d.seed());
        try (DiskFile f = disk.open(file, OpenMode.READ_WRITE)) {
            long size = f.size();
            if (size == 0) {
                return null;
            }
            long at = d.offset(size);
            int len = (int) Math.min(d.length(), size - at);
            switch (d.kind()) {
                case BIT_FLIPS -> {
                    for (int i = 0, flips = 1 + rnd.nextInt(8); i < flips; i++) {
                        long pos = Math.min(size - 1, at + rnd.nextInt(len));
                        ByteBuffer b = ByteBuffer.allocate(1);
                        f.readFully(pos, b);
                        f.write(pos, ByteBuffer.wrap(new byte[]{(byte) (b.get(0) ^ (1 << rnd.nextInt(8)))}));
                    }
                }
                case ZEROS -> f.write(at, ByteBuffer.allocate(len));
                case GARBAGE -> {
                    byte[] g = new byte[len];
                    rnd.nextBytes(g);
                    f.write(at, ByteBuffer.wrap(g));
                }
                case TRUNCATE -> f.truncate(at);
            }
            f.force(true);
            return new long[]{at, d.kind() == Damage.Kind.TRUNCATE ? size : at + len};
        }
    }

    private StoreOptions options(Disk disk) {
        StoreOptions.Builder b = StoreOptions.builder().syncMode(SyncMode.SYNC).disk(disk);
        properties().forEach(b::property);
        return b.build();
    }

    private void buildTemplate() throws IOException {
        if (template != null) {
            return;
        }
        SimulatedDisk disk = new SimulatedDisk();
        NavigableMap<byte[], byte[]> model = CrashOracle.newMap();
        List<byte[]> keys = defaultKeys();
        try (KeyValueStore store = factory().open(DIR, options(disk))) {
            populate(store, model, keys);
        }
        List<String> names = new ArrayList<>();
        collect(disk, DIR, "", names);
        names.removeIf(n -> !damageable(n));
        if (names.isEmpty()) {
            throw new AssertionError("the store in " + DIR + " has no files to damage");
        }
        expected = model;
        everyKey = keys;
        files = names;
        template = disk;
    }

    private static void collect(Disk disk, Path dir, String prefix, List<String> out) throws IOException {
        for (String name : disk.list(dir)) {
            Path p = dir.resolve(name);
            if (disk.isDirectory(p)) {
                collect(disk, p, prefix + name + "/", out);
            } else {
                out.add(prefix + name);
            }
        }
    }

    private void count(String file, Damage d, String outcome) {
        String key = engine() + " | " + kindOf(file) + " | " + d.kind() + " " + d.region() + " | " + outcome;
        OUTCOMES.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }

    @AfterContainer
    static void printSummary() {
        Map<String, Long> sorted = new TreeMap<>();
        OUTCOMES.forEach((k, v) -> sorted.put(k, v.get()));
        long total = sorted.values().stream().mapToLong(Long::longValue).sum();
        long undetected = sorted.entrySet().stream().filter(e -> e.getKey().contains("UNDETECTED"))
                .mapToLong(Map.Entry::getValue).sum();
        StringBuilder s = new StringBuilder("corruption cases: " + total + " (" + undetected
                + " wrong data within documented limits, 0 other wrong data, 0 other exceptions)\n");
        sorted.forEach((k, v) -> s.append("  ").append(k).append(": ").append(v).append('\n'));
        System.out.println(s);
    }
}
