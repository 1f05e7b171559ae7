package io.durakv.api.testkit;

import io.durakv.api.KeyValueStore;
import io.durakv.api.KeyValueStores;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real process kills (durability-contract.md, "Process killed"): a child JVM ({@link KillChild}) opens the engine with
 * {@link KeyValueStores#open}, writes random puts, deletes and batches from several threads and reports every started
 * and acknowledged operation over a pipe; the parent sends SIGKILL ({@link ProcessHandle#destroyForcibly()}) at a random
 * moment, reopens the store and checks it with a {@link CrashOracle}: every acknowledged write is present <i>in every
 * mode</i> (the page cache survives a killed process, so nothing acknowledged may sit in a user-space buffer), each
 * in-flight one may or may not be, batches are all or nothing, and nothing is invented. The kills go on against the
 * same directory, one after the other, so later kills also land during recovery of the previous one.
 *
 * <p>Extend it, name the engine and give small thresholds so that flush, compaction, merge and checkpoint run many
 * times per child and kills fall inside them. Kills per mode: {@link #kills()} (5; 50 with {@code -Psoak}). Each case
 * prints its seed; {@code -Ddurakv.kill.seed=N} replays a case's seed (the kill moment is timing, so a replay hits
 * nearby, not the same instant).
 *
 * <p>Also: a second process opening a directory this process holds throws {@code StoreLockedException} and changes no
 * byte of the store's files.
 */
public abstract class ProcessKillSuite {

    @TempDir
    protected Path tmp;

    /** @return the engine name, as {@link KeyValueStores#open} knows it (or a {@code StorageEngine} class name) */
    protected abstract String engine();

    /**
     * @return the {@code java} of the child processes: one that maps log files where one is found
     * ({@link ChildJava#forChildren()}), so that kills also land in mapped log writes
     */
    protected Path childJava() {
        return ChildJava.forChildren();
    }

    /** @return engine properties for every open; small thresholds make structural work frequent */
    protected Map<String, String> properties() {
        return Map.of();
    }

    /** @return the modes killed: SYNC and NONE (NONE is the one that would show a user-space buffer) */
    protected Set<SyncMode> modes() {
        return EnumSet.of(SyncMode.SYNC, SyncMode.NONE);
    }

    /** @return kills per mode: 5, or 50 with {@code -Ddurakv.soak=true} ({@code -Psoak}) */
    protected int kills() {
        return Boolean.getBoolean("durakv.soak") ? 50 : 5;
    }

    /** @return writer threads in the child */
    protected int threads() {
        return 2;
    }

    /** @return keys per writer thread */
    protected int keySpace() {
        return 48;
    }

    /** @return longest random value padding; large values cross byte thresholds quickly */
    protected int maxValueBytes() {
        return 1500;
    }

    /** @return the largest number of acknowledgements to wait for before the kill (drawn uniformly from 0) */
    protected int maxAcksBeforeKill() {
        return 600;
    }

    /** Runs the engine's structural check on a recovered store; fails with an exception on damage. */
    protected void checkIntegrity(KeyValueStore store) {
    }

    /** @return how the parent opens the store to check it: by engine name, with the same properties */
    protected KeyValueStore openInParent(Path dir, SyncMode mode) {
        StoreOptions.Builder b = StoreOptions.builder().syncMode(mode);
        properties().forEach(b::property);
        return KillChild.open(engine(), dir, b.build());
    }

    @TestFactory
    Stream<DynamicTest> acknowledgedWritesSurviveSigkillAtRandomMoments() {
        List<DynamicTest> tests = new ArrayList<>();
        for (SyncMode mode : modes()) {
            long base = Long.getLong("durakv.kill.seed", new Random().nextLong());
            tests.add(DynamicTest.dynamicTest(mode + " kills=" + kills() + " seed=" + base, () -> {
                System.out.println(engine() + " " + mode + ": kill seed " + base
                        + " (replay with -Ddurakv.kill.seed=" + base + "), children on " + childJava());
                Path dir = tmp.resolve(engine() + "-" + mode);
                NavigableMap<byte[], byte[]> baseline = CrashOracle.newMap();
                Random rnd = new Random(base);
                int totalAcks = 0;
                for (int cycle = 0; cycle < kills(); cycle++) {
                    long seed = rnd.nextLong();
                    // One kill in five comes before the child reports ready: inside open and recovery.
                    int acks = rnd.nextInt(5) == 0 ? -1 : rnd.nextInt(maxAcksBeforeKill() + 1);
                    KillResult r = killOnce(dir, mode, seed, cycle, acks, baseline);
                    baseline = r.state;
                    totalAcks += r.acks;
                }
                System.out.println(engine() + " " + mode + ": " + kills() + " kills, " + totalAcks
                        + " acknowledged writes, 0 lost");
            }));
        }
        return tests.stream();
    }

    /**
     * The children write their logs through memory mappings where a JVM that maps files was found (so the NONE kills
     * above cover mapped log writes): their {@code java} says so itself. Skipped, saying why, where none was found.
     */
    @Test
    void childrenMapLogFilesWhereAJvmThatCanWasFound() throws Exception {
        Path java = ChildJava.mapping();
        org.junit.jupiter.api.Assumptions.assumeTrue(java != null && java.equals(childJava()),
                "no JVM of version 18 or later found for the children (set -Ddurakv.test.mappingJava)");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                ChildJava.class.getName()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("output of %s", java).contains("mapsFiles=true");
    }

    /**
     * One kill of a fresh store after {@code acks} acknowledgements, checked as in the suite (for the suite's own
     * test, which shows that a store keeping acknowledged writes in a user-space buffer fails it).
     *
     * @return the number of acknowledged writes checked
     */
    int killFreshStoreAfter(SyncMode mode, long seed, int acks) throws Exception {
        return killOnce(tmp.resolve("fresh-" + mode + "-" + seed), mode, seed, 0, acks, CrashOracle.newMap()).acks;
    }

    private record KillResult(NavigableMap<byte[], byte[]> state, int acks) {
    }

    private KillResult killOnce(Path dir, SyncMode mode, long seed, int cycle, int acksBeforeKill,
                                NavigableMap<byte[], byte[]> baseline) throws Exception {
        String where = engine() + " " + mode + " cycle " + cycle + " seed " + seed + " kill after "
                + (acksBeforeKill < 0 ? "start" : acksBeforeKill + " acks");
        KillWorkload work = new KillWorkload(seed, cycle, threads(), keySpace(), maxValueBytes());
        Path log = tmp.resolve("child-" + mode + "-" + cycle + ".err");
        Process child = start("write", dir, mode, seed, cycle, log);
        CrashOracle oracle = new CrashOracle(baseline, threads());
        List<Map<Long, CrashOracle.Entry>> inFlight = new ArrayList<>();
        for (int t = 0; t < threads(); t++) {
            inFlight.add(new HashMap<>());
        }
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = pump(child, lines);
        int acked = 0;
        boolean killed = false;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                if (!killed && acksBeforeKill < 0) {
                    kill(child);
                    killed = true;
                }
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line == null) {
                    if (!reader.isAlive() && lines.isEmpty()) {
                        break; // the child is dead and its pipe is drained
                    }
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError(where + ": the child made no progress for 120 s; "
                                + tail(log));
                    }
                    continue;
                }
                if (line.equals("EOF")) {
                    break;
                }
                if (line.equals("ready")) {
                    continue;
                }
                String[] p = line.split(" ");
                int t = Integer.parseInt(p[1]);
                long i = Long.parseLong(p[2]);
                if (p[0].equals("s")) {
                    inFlight.get(t).put(i, oracle.started(t, work.op(t, i)));
                } else if (p[0].equals("a")) {
                    oracle.acked(inFlight.get(t).remove(i));
                    acked++;
                    if (!killed && acked >= acksBeforeKill) {
                        kill(child);
                        killed = true;
                    }
                } else {
                    throw new AssertionError(where + ": unexpected line from the child: " + line);
                }
            }
            if (!killed) {
                throw new AssertionError(where + ": the child exited by itself with code "
                        + child.waitFor() + "; " + tail(log));
            }
        } finally {
            kill(child);
            child.waitFor();
            reader.join();
        }
        assertThat(child.exitValue()).as(where + ": killed by SIGKILL").isEqualTo(137);
        // The directory as the kill left it, before recovery in this process changes it: kept on failure.
        Path asKilled = tmp.resolve("as-killed-" + mode);
        copyTree(dir, asKilled);
        CrashHarness reading = new CrashHarness((d, o) -> {
            throw new UnsupportedOperationException();
        }, Map.of(), work.generator(), s -> { }, java.time.Duration.ofMillis(100));
        NavigableMap<byte[], byte[]> state;
        try (KeyValueStore store = openInParent(dir, mode)) {
            checkIntegrity(store);
            state = oracle.check(reading.readAll(store, where, threads()), SyncMode.SYNC);
        } catch (AssertionError | RuntimeException e) {
            Path kept = Path.of("target", "kill-failures", engine() + "-" + mode + "-cycle" + cycle + "-seed" + seed)
                    .toAbsolutePath();
            copyTree(asKilled, kept);
            throw new AssertionError("[" + where + "] " + e.getMessage() + "\n  the directory as killed is kept in "
                    + kept + "\n  child log: " + tail(log), e);
        }
        return new KillResult(state, acked);
    }

    /** A second process cannot open a directory this one holds, and changes nothing in it. */
    @Test
    void secondProcessOpeningAnOpenDirectoryThrowsStoreLockedAndChangesNothing() throws Exception {
        Path dir = tmp.resolve(engine() + "-locked");
        try (KeyValueStore store = openInParent(dir, SyncMode.SYNC)) {
            for (int i = 0; i < 200; i++) {
                store.put(CrashWorkload.key(0, i % keySpace()), ("value-" + i).getBytes(StandardCharsets.US_ASCII));
            }
            store.sync();
            Map<String, byte[]> before = filesExceptLock(dir);
            Path log = tmp.resolve("lock-child.err");
            for (int attempt = 0; attempt < 2; attempt++) {
                Process child = start("lock", dir, SyncMode.SYNC, 1, 0, log);
                String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(out).as("what the second process's open did; " + tail(log)).isEqualTo("locked");
            }
            Map<String, byte[]> after = filesExceptLock(dir);
            assertThat(after.keySet()).as("files of " + dir).isEqualTo(before.keySet());
            before.forEach((name, bytes) -> assertThat(after.get(name)).as("bytes of " + name).isEqualTo(bytes));
            store.put(CrashWorkload.key(0, 0), "still works".getBytes(StandardCharsets.US_ASCII));
            assertThat(store.get(CrashWorkload.key(0, 0))).asString(StandardCharsets.US_ASCII)
                    .isEqualTo("still works");
        }
    }

    /**
     * A failed second open inside this process must not release the lock the first open holds against other
     * processes (on POSIX, closing any descriptor of the lock file drops this process's {@code fcntl} lock on it).
     */
    @Test
    void failedSecondOpenInThisProcessKeepsOtherProcessesLockedOut() throws Exception {
        Path dir = tmp.resolve(engine() + "-relocked");
        try (KeyValueStore store = openInParent(dir, SyncMode.SYNC)) {
            store.put(CrashWorkload.key(0, 1), "v".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 2; i++) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> openInParent(dir, SyncMode.SYNC))
                        .isInstanceOf(io.durakv.api.StoreLockedException.class);
            }
            Path log = tmp.resolve("relock-child.err");
            Process child = start("lock", dir, SyncMode.SYNC, 1, 0, log);
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(out).as("what the other process's open did after this process's failed second open; "
                    + tail(log)).isEqualTo("locked");
        }
    }

    /** @return the name of the engine's lock file in the store directory */
    protected String lockFileName() {
        return "LOCK";
    }

    /**
     * Every file of {@code dir} with its bytes, except the lock file, which is only checked for existence and size: on
     * POSIX, closing <i>any</i> descriptor of a file releases every {@code fcntl} lock this process holds on it, so
     * reading the lock file here would unlock the store under test (see docs/reliability.md).
     */
    private Map<String, byte[]> filesExceptLock(Path dir) throws IOException {
        Map<String, byte[]> files = new java.util.TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                String name = dir.relativize(p).toString();
                files.put(name, p.getFileName().toString().equals(lockFileName())
                        ? ("size " + Files.size(p)).getBytes(StandardCharsets.US_ASCII) : Files.readAllBytes(p));
            }
        }
        return files;
    }

    private Process start(String command, Path dir, SyncMode mode, long seed, int cycle, Path errLog)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                childJava().toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                KillChild.class.getName(), command, engine(), dir.toString(), mode.name(),
                Long.toString(seed), Integer.toString(cycle), Integer.toString(threads()),
                Integer.toString(keySpace()), Integer.toString(maxValueBytes())));
        properties().forEach((k, v) -> cmd.add(k + "=" + v));
        Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(errLog.toFile()))
                .start();
        child.getOutputStream().close(); // the child reads nothing
        return child;
    }

    /**
     * Sends SIGKILL through the process handle. Not {@link Process#destroyForcibly()}: that also closes the pipe from
     * the child, and lines the child wrote just before dying would be lost unread — operations the child started
     * that the oracle never heard of.
     */
    private static void kill(Process child) {
        child.toHandle().destroyForcibly();
    }

    /** Replaces {@code to} with a copy of the directory tree {@code from}, except the lock file. */
    private void copyTree(Path from, Path to) throws IOException {
        if (Files.exists(to)) {
            try (Stream<Path> walk = Files.walk(to)) {
                for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
        if (!Files.exists(from)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals(lockFileName())) {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** Reads the child's lines into {@code lines} until the pipe closes, then adds "EOF". */
    private static Thread pump(Process child, BlockingQueue<String> lines) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // The stream was closed under us after the kill: everything before is queued already.
            } finally {
                lines.add("EOF");
            }
        }, "kill-suite-pipe");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String tail(Path log) {
        try {
            if (!Files.exists(log)) {
                return "(no stderr)";
            }
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }
}
