package io.durakv.bench.kv;

import io.durakv.api.SyncMode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * kvbench's settings, from its command line ({@link #parse}). Two profiles: {@code --quick} (100 k keys, every
 * workload run to its full operation count, what the README runs: under 2 minutes for nine engines on a quiet 2-core
 * machine) and the default (1 M keys, each workload stopped after {@link #DEFAULT_DURATION_SECONDS}
 * seconds, as db_bench's {@code --duration}, so that nine engines finish in under 15 minutes on 2 cores); any flag
 * overrides them.
 *
 * @param quick       true for the quick profile
 * @param num         N: keys in the loaded store and operations per workload (see {@link Workload})
 * @param syncOps     writes of fillsync (groupcommit does twice as many)
 * @param engines     the engines to run, in report order
 * @param workloads   the workloads to run
 * @param keyBytes    bytes per key (at least 8)
 * @param valueBytes  bytes per value (not fill16k's)
 * @param threads     reader threads of readrandom, readwhilewriting and the YCSB mixes
 * @param writers     writer threads of groupcommit
 * @param syncMode    NONE or SYNC for every workload but fillsync and groupcommit (always SYNC)
 * @param cacheBytes  every engine's cache budget
 * @param commitEvery writes per transaction for engines that need transactions (NONE mode)
 * @param seekNexts   entries per seekrandom scan
 * @param dir         where the stores are made (a real disk: on a tmpfs every force is free)
 * @param out         where the JSON and HTML reports are written
 * @param seed        the seed of every random choice (same keys, values and order for every engine)
 * @param progress    true to draw a progress bar on stderr
 * @param raw         true to measure the raw disk ceilings
 * @param warmup      true to run every workload once on an in-memory map first (not reported)
 * @param durationNanos the time cap of each workload, in nanoseconds (0 = none): a workload stops at its
 *                    operation count or at the cap, whichever comes first, and reports the operations it did
 */
public record BenchConfig(boolean quick, long num, long syncOps, List<String> engines, Set<Workload> workloads,
                          int keyBytes, int valueBytes, int threads, int writers, SyncMode syncMode, long cacheBytes,
                          int commitEvery, int seekNexts, Path dir, Path out, long seed, boolean progress,
                          boolean raw, boolean warmup, long durationNanos) {

    /** Keys of the quick profile. */
    public static final long QUICK_NUM = 100_000;
    /** Keys of the default profile. */
    public static final long DEFAULT_NUM = 1_000_000;
    /** The default profile's time cap per workload, in seconds; the quick profile has none. */
    public static final double DEFAULT_DURATION_SECONDS = 4;

    /** Thrown by {@link #parse} when the user asked for --help. */
    public static final class HelpRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super("--help");
        }
    }

    /** @return the usage text */
    public static String usage() {
        StringBuilder b = new StringBuilder();
        b.append("usage: java -jar durakv-bench.jar kvbench [flags]\n\n");
        b.append("Runs db_bench-style workloads against DuraKV's engines and the peers a JVM user would pick\n");
        b.append("instead, with the same keys, values, order, durability and cache, and writes a table per\n");
        b.append("workload (stdout), kvbench.json and kvbench.html (--out).\n\n");
        b.append("  --quick              100 k keys, no time cap: under 2 minutes for all engines on a quiet machine\n");
        b.append("                       (default: 1 M keys, each workload capped at ")
                .append(seconds(DEFAULT_DURATION_SECONDS)).append(" s: under 15 minutes)\n");
        b.append("  --num N              keys in the store and operations per workload\n");
        b.append("  --duration S         stop each workload after S seconds (decimals allowed) and report\n");
        b.append("                       the ops it did, as db_bench's --duration; 0 = run every op (quick: 0,\n");
        b.append("                       default: ").append(seconds(DEFAULT_DURATION_SECONDS))
                .append("). A capped fillrandom loads its remaining keys untimed, in key order\n");
        b.append("  --sync-ops N         writes of fillsync; groupcommit does 2 x N (quick 500, default 20000)\n");
        b.append("  --engines a,b,...    engines to run (default: all): ").append(String.join(",", Engines.names()))
                .append('\n');
        b.append("  --workloads a,b,...  workloads to run (default: all)\n");
        b.append("  --key-size B         bytes per key, at least 8 (default 16)\n");
        b.append("  --value-size B       bytes per value (default 100)\n");
        b.append("  --threads T          reader threads of readrandom, readwhilewriting, ycsb* (default 1)\n");
        b.append("  --writers W          writer threads of groupcommit (default 8)\n");
        b.append("  --sync-mode M        none or sync for the other workloads (default none)\n");
        b.append("  --cache-mb M         every engine's cache budget (default 64)\n");
        b.append("  --commit-every K     writes per transaction where an engine needs them, NONE mode (default 1000)\n");
        b.append("  --seek-nexts K       entries per seekrandom scan (default 10)\n");
        b.append("  --dir DIR            where the stores go; use a real disk, not a tmpfs (default: java.io.tmpdir)\n");
        b.append("  --out DIR            where kvbench.json and kvbench.html go (default: kvbench-out)\n");
        b.append("  --seed S             seed of the keys, values and order (default 42)\n");
        b.append("  --no-progress        no progress bar on stderr\n");
        b.append("  --no-raw             skip the raw disk ceilings\n");
        b.append("  --no-warmup          skip the harness warm-up on an in-memory map (10 % of N ops per workload)\n");
        b.append("  --help               this text\n\nWorkloads:\n");
        for (Workload w : Workload.values()) {
            b.append(String.format(Locale.ROOT, "  %-17s %s%n", w.id(), w.description()));
        }
        return b.toString();
    }

    /**
     * Parses kvbench's flags.
     *
     * @throws IllegalArgumentException naming the bad flag or value
     * @throws HelpRequested            for --help or -h
     */
    public static BenchConfig parse(String... args) {
        boolean quick = false;
        Long num = null;
        Long syncOps = null;
        List<String> engines = Engines.names();
        Set<Workload> workloads = EnumSet.allOf(Workload.class);
        int keyBytes = 16;
        int valueBytes = 100;
        int threads = 1;
        int writers = 8;
        SyncMode syncMode = SyncMode.NONE;
        long cacheMb = 64;
        int commitEvery = 1000;
        int seekNexts = 10;
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        Path out = Path.of("kvbench-out");
        long seed = 42;
        boolean progress = true;
        boolean raw = true;
        boolean warmup = true;
        Double duration = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--help", "-h" -> throw new HelpRequested();
                case "--quick" -> quick = true;
                case "--no-progress" -> progress = false;
                case "--no-raw" -> raw = false;
                case "--no-warmup" -> warmup = false;
                default -> {
                    if (!flag.startsWith("--")) {
                        throw new IllegalArgumentException("unexpected argument '" + flag + "'");
                    }
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(flag + " needs a value");
                    }
                    String v = args[++i];
                    switch (flag) {
                        case "--num" -> num = positiveLong(flag, v);
                        case "--sync-ops" -> syncOps = positiveLong(flag, v);
                        case "--engines" -> engines = engines(v);
                        case "--workloads" -> workloads = workloads(v);
                        case "--key-size" -> keyBytes = intAtLeast(flag, v, 8);
                        case "--value-size" -> valueBytes = intAtLeast(flag, v, 0);
                        case "--threads" -> threads = intAtLeast(flag, v, 1);
                        case "--writers" -> writers = intAtLeast(flag, v, 1);
                        case "--sync-mode" -> syncMode = syncMode(v);
                        case "--cache-mb" -> cacheMb = intAtLeast(flag, v, 1);
                        case "--commit-every" -> commitEvery = intAtLeast(flag, v, 1);
                        case "--seek-nexts" -> seekNexts = intAtLeast(flag, v, 1);
                        case "--dir" -> dir = Path.of(v);
                        case "--out" -> out = Path.of(v);
                        case "--seed" -> seed = parseLong(flag, v);
                        case "--duration" -> duration = seconds(flag, v);
                        default -> throw new IllegalArgumentException("unknown flag '" + flag + "'; try --help");
                    }
                }
            }
        }
        long n = num != null ? num : quick ? QUICK_NUM : DEFAULT_NUM;
        long s = syncOps != null ? syncOps : quick ? 500 : 20_000;
        double cap = duration != null ? duration : quick ? 0 : DEFAULT_DURATION_SECONDS;
        return new BenchConfig(quick, n, s, engines, workloads, keyBytes, valueBytes, threads, writers, syncMode,
                cacheMb << 20, commitEvery, seekNexts, dir, out, seed, progress, raw, warmup, Math.round(cap * 1e9));
    }

    private static double seconds(String flag, String v) {
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number of seconds, not '" + v + "'");
        }
        if (!(d >= 0) || d > 86_400) {
            throw new IllegalArgumentException(flag + " must be between 0 (no cap) and 86400 seconds: " + v);
        }
        return d;
    }

    /** @return {@code s} seconds as the shortest decimal ("4", "0.5") */
    static String seconds(double s) {
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

    private static long parseLong(String flag, String v) {
        try {
            return Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number, not '" + v + "'");
        }
    }

    private static long positiveLong(String flag, String v) {
        long n = parseLong(flag, v);
        if (n < 1) {
            throw new IllegalArgumentException(flag + " must be positive: " + v);
        }
        return n;
    }

    private static int intAtLeast(String flag, String v, int min) {
        long n = parseLong(flag, v);
        if (n < min || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(flag + " must be at least " + min + ": " + v);
        }
        return (int) n;
    }

    private static SyncMode syncMode(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "none" -> SyncMode.NONE;
            case "sync" -> SyncMode.SYNC;
            default -> throw new IllegalArgumentException("--sync-mode is none or sync, not '" + v + "'");
        };
    }

    private static List<String> engines(String v) {
        Set<String> names = new LinkedHashSet<>();
        for (String name : v.split(",")) {
            if (!name.isBlank()) {
                names.add(Engines.byName(name.trim()).name());
            }
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("--engines names no engine");
        }
        return List.copyOf(new ArrayList<>(names));
    }

    private static Set<Workload> workloads(String v) {
        Set<Workload> set = EnumSet.noneOf(Workload.class);
        for (String id : v.split(",")) {
            if (!id.isBlank()) {
                set.add(Workload.byId(id.trim()));
            }
        }
        if (set.isEmpty()) {
            throw new IllegalArgumentException("--workloads names no workload");
        }
        return set;
    }

    /**
     * @return these settings for the warm-up: a tenth of the keys and operations, no raw ceilings
     */
    public BenchConfig forWarmup() {
        return new BenchConfig(quick, Math.max(2, num / 10), Math.max(1, syncOps / 10), engines, workloads, keyBytes,
                valueBytes, threads, writers, syncMode, cacheBytes, commitEvery, seekNexts, dir, out, seed, progress,
                false, false, durationNanos);
    }

    /** @return the number of operations {@code w} performs */
    public long opsOf(Workload w) {
        return switch (w) {
            case SEEKRANDOM -> Math.max(1, num / 10);
            case FILL16K -> Math.max(1, num / 64);
            case FILLSYNC -> syncOps;
            case GROUPCOMMIT -> 2 * syncOps;
            default -> num;
        };
    }

    /** @return the time cap of every workload for the report: "" for none, else ", at most S s" */
    String capText() {
        return durationNanos == 0 ? "" : ", at most " + seconds(durationNanos / 1e9) + " s";
    }

    /** @return the measured threads of {@code w} */
    public int threadsOf(Workload w) {
        return switch (w) {
            case READRANDOM, READWHILEWRITING, YCSB_A, YCSB_B, YCSB_C, YCSB_F -> threads;
            case GROUPCOMMIT -> writers;
            default -> 1;
        };
    }

    /** @return the sync mode {@code w} runs in */
    public SyncMode syncModeOf(Workload w) {
        return w.alwaysSync() ? SyncMode.SYNC : syncMode;
    }

    /** @return the engine settings of {@code w} */
    public AdapterSettings settingsOf(Workload w) {
        return new AdapterSettings(syncModeOf(w), cacheBytes, commitEvery);
    }

    /** @return "quick" or "default" */
    public String profile() {
        return quick ? "quick" : "default";
    }
}
