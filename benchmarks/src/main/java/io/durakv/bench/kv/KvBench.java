package io.durakv.bench.kv;

import io.durakv.bench.BenchFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * kvbench: DuraKV's engines beside RocksDB, LevelDB, LMDB, MVStore, Xodus and MapDB, in one run, in one JVM (same
 * heap and GC), with the same keys, values, order, durability and cache budget; plus the raw disk ceilings. Prints a
 * table per workload and writes {@code kvbench.json} and {@code kvbench.html} (see {@link BenchConfig#usage()}).
 */
public final class KvBench {

    private KvBench() {
    }

    /**
     * Runs kvbench with command-line flags.
     *
     * @return 0 on success, 1 if a workload failed on a DuraKV engine, 2 for bad flags. A peer's failure (such as iq80
     *         LevelDB's known table-open race) is reported in the tables, the JSON and on stderr, but is the peer's.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        // The engines' INFO logs would bury the tables; warnings and errors still show.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        BenchConfig config;
        try {
            config = BenchConfig.parse(args);
        } catch (BenchConfig.HelpRequested help) {
            out.print(BenchConfig.usage());
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("kvbench: " + e.getMessage() + "; try --help");
            return 2;
        }
        Files.createDirectories(config.dir());
        Path root = Files.createTempDirectory(config.dir(), "kvbench-");
        try {
            return run(config, root, out, err);
        } finally {
            BenchFiles.deleteTree(root);
        }
    }

    private static int run(BenchConfig config, Path root, PrintStream out, PrintStream err) throws IOException {
        Map<String, String> machine = machine(root);
        if ("tmpfs".equals(machine.get("fileSystem"))) {
            err.println("kvbench: WARNING: " + root + " is on a tmpfs; forces are free there and the SYNC figures"
                    + " mean nothing. Use --dir on a real disk.");
        }
        Map<String, String> skipped = new LinkedHashMap<>();
        List<Engines.Spec> specs = new ArrayList<>();
        for (String name : config.engines()) {
            Engines.Spec spec = Engines.byName(name);
            String why = Engines.unavailable(spec);
            if (why != null) {
                err.println("kvbench: skipping " + name + ": " + why);
                skipped.put(name, why);
            } else {
                specs.add(spec);
            }
        }
        long start = System.nanoTime();
        if (config.durationNanos() > 0) {
            err.println("kvbench: each workload stops after " + BenchConfig.seconds(config.durationNanos()
                    / 1e9) + " s (--duration; --duration 0 runs every operation)");
        }
        KeySpace keys = new KeySpace(config.keyBytes(), Math.max(config.valueBytes(), Workload.LARGE_VALUE_BYTES),
                config.seed());
        int[] permutation = EngineRun.permutation(config.num(), config.seed());
        ZipfianGenerator zipfian = new ZipfianGenerator(Math.max(2, config.num()), ZipfianGenerator.YCSB_THETA);
        List<RawCeilings.Ceiling> raw = new ArrayList<>();
        List<Result> results = new ArrayList<>();
        try (Progress progress = new Progress(config.progress(), err)) {
            if (config.raw()) {
                progress.start("raw disk ceilings", 1);
                raw.add(RawCeilings.force(root, config.keyBytes() + config.valueBytes(),
                        Math.max(100, config.syncOps())));
                raw.add(RawCeilings.sequential(root, config.quick() ? 64L << 20 : 256L << 20));
            }
            EngineRun engineRun = new EngineRun(config, keys, permutation, zipfian, progress, err);
            if (config.warmup()) {
                // Compiles kvbench's own code on an in-memory map, so the first engine is not charged for it.
                progress.start("warm-up (in-memory, not reported)", 1);
                BenchConfig warm = config.forWarmup();
                new EngineRun(warm, keys, EngineRun.permutation(warm.num(), warm.seed()),
                        new ZipfianGenerator(warm.num(), ZipfianGenerator.YCSB_THETA), progress, err)
                        .run(Engines.WARMUP, root.resolve("warmup"), 0, specs.size());
                HeapAdapter.dropAll();
            }
            List<String> engineSeconds = new ArrayList<>();
            for (int i = 0; i < specs.size(); i++) {
                Engines.Spec spec = specs.get(i);
                long t0 = System.nanoTime();
                results.addAll(engineRun.run(spec, root.resolve(spec.name()), i + 1, specs.size()));
                // Each engine's share of the wall time: what an estimate for another engine set is made from.
                engineSeconds.add(String.format(Locale.ROOT, "%s %.1f", spec.name(), (System.nanoTime() - t0) / 1e9));
                machine.put("engineSeconds", String.join(", ", engineSeconds));
                if (i < specs.size() - 1) {
                    // A long run that is stopped early still leaves the engines finished so far.
                    machine.put("runSeconds", "unfinished: " + (i + 1) + " of " + specs.size() + " engines");
                    write(new Report(config, machine, raw, skipped, results), config.out());
                }
            }
        }
        machine.put("runSeconds", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
        Report report = new Report(config, machine, raw, skipped, results);
        out.print(report.text());
        out.println("wrote " + write(report, config.out()));
        return results.stream().anyMatch(r -> r.error() != null && Engines.byName(r.engine()).durakv()) ? 1 : 0;
    }

    /** Writes kvbench.json and kvbench.html into {@code out}; @return what was written, for the log */
    private static String write(Report report, Path out) throws IOException {
        Files.createDirectories(out);
        Path json = out.resolve("kvbench.json");
        Path html = out.resolve("kvbench.html");
        Files.writeString(json, report.json(), StandardCharsets.UTF_8);
        Files.writeString(html, report.html(), StandardCharsets.UTF_8);
        return json.toAbsolutePath() + " and " + html.toAbsolutePath();
    }

    /** What the figures were measured on. */
    static Map<String, String> machine(Path dir) {
        Map<String, String> m = new LinkedHashMap<>();
        Runtime rt = Runtime.getRuntime();
        m.put("date", Instant.now().toString());
        m.put("cores", Integer.toString(rt.availableProcessors()));
        long memory = 0;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            memory = os.getTotalMemorySize();
        }
        m.put("memoryBytes", Long.toString(memory));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("loadAverageAtStart", String.format(Locale.ROOT, "%.2f",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("maxHeapBytes", Long.toString(rt.maxMemory()));
        List<String> gcs = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcs.add(gc.getName());
        }
        m.put("gc", String.join(", ", gcs));
        m.put("dataDir", dir.toAbsolutePath().toString());
        try {
            m.put("fileSystem", Files.getFileStore(dir).type());
        } catch (IOException e) {
            m.put("fileSystem", "unknown (" + e.getMessage() + ")");
        }
        return m;
    }
}
