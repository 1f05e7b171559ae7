package io.durakv.bench.kv;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * kvbench's output: a table per workload (text), the same as JSON, and a self-contained HTML page with SVG bar
 * charts of throughput and latency. Each DuraKV engine's row carries its ratio to the best peer of its kind on that
 * workload (see {@link Engines#peersOf}).
 */
public final class Report {

    /** The best peer of a DuraKV engine's kind on one workload, and the engine's throughput ratio to it. */
    public record Comparison(String peer, double ratio) {
    }

    private final BenchConfig config;
    private final Map<String, String> machine;
    private final List<RawCeilings.Ceiling> raw;
    private final Map<String, String> skipped;
    private final List<Result> results;

    Report(BenchConfig config, Map<String, String> machine, List<RawCeilings.Ceiling> raw,
           Map<String, String> skipped, List<Result> results) {
        this.config = config;
        this.machine = machine;
        this.raw = raw;
        this.skipped = skipped;
        this.results = results;
    }

    /** @return the comparison of a DuraKV engine's result with the best peer of its kind, or null if none ran */
    public Comparison compare(Result r) {
        Engines.Spec spec = Engines.byName(r.engine());
        if (!spec.durakv() || r.error() != null) {
            return null;
        }
        Result best = null;
        for (Engines.Spec peer : Engines.peersOf(spec.kind())) {
            for (Result p : results) {
                if (p.engine().equals(peer.name()) && p.workload().equals(r.workload()) && p.error() == null
                        && (best == null || p.opsPerSec() > best.opsPerSec())) {
                    best = p;
                }
            }
        }
        return best == null || best.opsPerSec() <= 0 ? null : new Comparison(best.engine(),
                r.opsPerSec() / best.opsPerSec());
    }

    private Map<String, List<Result>> byWorkload() {
        Map<String, List<Result>> map = new LinkedHashMap<>();
        for (Workload w : Workload.values()) {
            for (Result r : results) {
                if (r.workload().equals(w.id())) {
                    map.computeIfAbsent(w.id(), k -> new ArrayList<>()).add(r);
                }
            }
        }
        return map;
    }

    /** @return where the reads were served from, stated from the store sizes and the machine's memory */
    public String pageCacheNote() {
        long largest = 0;
        for (Result r : results) {
            largest = Math.max(largest, r.bytesOnDisk());
        }
        String memory = machine.getOrDefault("memoryBytes", "0");
        long mem = Long.parseLong(memory);
        return String.format(Locale.ROOT, "Reads hit the OS page cache: every store was written just before it was"
                + " read, and the largest (%s) is far below the machine's memory (%s), so no read went to the device;"
                + " the engines' own caches (%d MiB each where they have one) hold what they can. Reads measure CPU and"
                + " memory paths, not the disk; writes in NONE mode reach the page cache, SYNC writes the device.",
                mib(largest), mem > 0 ? mib(mem) : "unknown", config.cacheBytes() >> 20);
    }

    /**
     * @return what the time cap did: every capped workload stopped early is marked in its row's note and in the
     *         JSON ({@code capped}, {@code ops} against {@code plannedOps})
     */
    public String capNote() {
        if (config.durationNanos() == 0) {
            return "Every workload ran its full operation count (no --duration cap).";
        }
        long capped = results.stream().filter(Result::capped).count();
        return String.format(Locale.ROOT, "Each workload stops after %s s (--duration) or its operation"
                + " count, whichever comes first; ops/s is over the time it ran. %d of %d results were capped (marked"
                + " \"capped\" in their note).", BenchConfig.seconds(config.durationNanos() / 1e9), capped,
                results.size());
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1000.0);
    }

    /** @return the tables as text, one per workload */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "kvbench (%s profile): N = %,d keys, %d B keys, %d B values, sync mode %s,"
                        + " cache %d MiB, commit every %d (transactional engines, NONE)%n", config.profile(),
                config.num(), config.keyBytes(), config.valueBytes(), config.syncMode(), config.cacheBytes() >> 20,
                config.commitEvery()));
        b.append(capNote()).append('\n');
        machine.forEach((k, v) -> b.append("  ").append(k).append(": ").append(v).append('\n'));
        skipped.forEach((e, why) -> b.append("  skipped ").append(e).append(": ").append(why).append('\n'));
        if (!raw.isEmpty()) {
            b.append("\n== raw disk ceilings ==\n");
            b.append(String.format(Locale.ROOT, "%-14s %12s %10s %9s %9s %9s  %s%n", "ceiling", "ops/s", "MB/s",
                    "p50 us", "p99 us", "p99.9 us", "what"));
            for (RawCeilings.Ceiling c : raw) {
                b.append(String.format(Locale.ROOT, "%-14s %,12.0f %10.1f %9s %9s %9s  %s%n", c.name(), c.opsPerSec(),
                        c.bytesPerSec() / 1e6, micros(c.p50Nanos()), micros(c.p99Nanos()), micros(c.p999Nanos()),
                        c.description()));
            }
        }
        for (Map.Entry<String, List<Result>> e : byWorkload().entrySet()) {
            Workload w = Workload.byId(e.getKey());
            b.append(String.format(Locale.ROOT, "%n== %s (%,d ops%s, %d thread(s), %s) ==%n", w.id(), config.opsOf(w),
                    config.capText(), config.threadsOf(w), config.syncModeOf(w)));
            b.append(String.format(Locale.ROOT, "%-9s %12s %9s %9s %9s %10s %9s  %-20s %s%n", "engine", "ops/s",
                    "p50 us", "p99 us", "p99.9 us", "disk MiB", "open ms", "vs best peer", "note"));
            for (Result r : e.getValue()) {
                if (r.error() != null) {
                    b.append(String.format(Locale.ROOT, "%-9s FAILED: %s%n", r.engine(), r.error()));
                    continue;
                }
                Comparison c = compare(r);
                b.append(String.format(Locale.ROOT, "%-9s %,12.0f %9s %9s %9s %10.1f %9.1f  %-20s %s%n", r.engine(),
                        r.opsPerSec(), micros(r.p50Nanos()), micros(r.p99Nanos()), micros(r.p999Nanos()),
                        r.bytesOnDisk() / 1048576.0, r.openNanos() / 1e6,
                        c == null ? "" : String.format(Locale.ROOT, "%.2fx %s", c.ratio(), c.peer()), r.note()));
            }
        }
        b.append('\n').append(pageCacheNote()).append('\n');
        return b.toString();
    }

    /** @return every figure as JSON */
    public String json() {
        StringBuilder b = new StringBuilder("{\n");
        b.append("  \"tool\": \"kvbench\",\n");
        b.append("  \"profile\": ").append(str(config.profile())).append(",\n");
        b.append("  \"config\": {");
        b.append("\"num\": ").append(config.num()).append(", \"syncOps\": ").append(config.syncOps())
                .append(", \"keyBytes\": ").append(config.keyBytes()).append(", \"valueBytes\": ")
                .append(config.valueBytes()).append(", \"threads\": ").append(config.threads())
                .append(", \"writers\": ").append(config.writers()).append(", \"syncMode\": ")
                .append(str(config.syncMode().name())).append(", \"cacheBytes\": ").append(config.cacheBytes())
                .append(", \"commitEvery\": ").append(config.commitEvery()).append(", \"seekNexts\": ")
                .append(config.seekNexts()).append(", \"seed\": ").append(config.seed())
                .append(", \"durationSeconds\": ").append(BenchConfig.seconds(config.durationNanos() / 1e9))
                .append("},\n");
        b.append("  \"machine\": {");
        b.append(String.join(", ", machine.entrySet().stream().map(e -> str(e.getKey()) + ": " + str(e.getValue()))
                .toList())).append("},\n");
        b.append("  \"pageCache\": ").append(str(pageCacheNote())).append(",\n");
        b.append("  \"skipped\": {").append(String.join(", ", skipped.entrySet().stream()
                .map(e -> str(e.getKey()) + ": " + str(e.getValue())).toList())).append("},\n");
        b.append("  \"raw\": [");
        List<String> rows = new ArrayList<>();
        for (RawCeilings.Ceiling c : raw) {
            rows.add(String.format(Locale.ROOT, "\n    {\"name\": %s, \"description\": %s, \"ops\": %d, \"seconds\": %.6f,"
                            + " \"opsPerSec\": %.1f, \"bytesPerSec\": %.1f, \"p50Micros\": %.3f, \"p99Micros\": %.3f,"
                            + " \"p999Micros\": %.3f}", str(c.name()), str(c.description()), c.ops(), c.seconds(),
                    c.opsPerSec(), c.bytesPerSec(), c.p50Nanos() / 1e3, c.p99Nanos() / 1e3, c.p999Nanos() / 1e3));
        }
        b.append(String.join(",", rows)).append(raw.isEmpty() ? "],\n" : "\n  ],\n");
        b.append("  \"results\": [");
        rows.clear();
        for (Result r : results) {
            Engines.Spec spec = Engines.byName(r.engine());
            Comparison c = compare(r);
            rows.add(String.format(Locale.ROOT, "\n    {\"workload\": %s, \"engine\": %s, \"kind\": %s, \"durakv\": %b,"
                            + " \"ops\": %d, \"threads\": %d, \"seconds\": %.6f, \"opsPerSec\": %.1f, \"p50Micros\": %.3f,"
                            + " \"p99Micros\": %.3f, \"p999Micros\": %.3f, \"bytesOnDisk\": %d, \"openMillis\": %.3f,"
                            + " \"bestPeer\": %s, \"ratioToBestPeer\": %s, \"plannedOps\": %d, \"capSeconds\": %s,"
                            + " \"capped\": %b, \"note\": %s, \"error\": %s}",
                    str(r.workload()), str(r.engine()), str(spec.kind().name()), spec.durakv(), r.ops(), r.threads(),
                    r.seconds(), r.opsPerSec(), r.p50Nanos() / 1e3, r.p99Nanos() / 1e3, r.p999Nanos() / 1e3,
                    r.bytesOnDisk(), r.openNanos() / 1e6, c == null ? "null" : str(c.peer()),
                    c == null ? "null" : String.format(Locale.ROOT, "%.4f", c.ratio()), r.plannedOps(),
                    BenchConfig.seconds(r.capSeconds()), r.capped(), str(r.note()),
                    r.error() == null ? "null" : str(r.error())));
        }
        b.append(String.join(",", rows)).append(results.isEmpty() ? "]\n" : "\n  ]\n");
        return b.append("}\n").toString();
    }

    /** @return {@code s} as a JSON string literal */
    static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** @return a self-contained HTML page: the settings, the raw ceilings, and per workload a table and charts */
    public String html() {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kvbench report</title>\n");
        b.append("<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;"
                + "text-align:right}th{background:#eee}td:first-child{text-align:left}.ours{font-weight:bold}"
                + ".charts{display:flex;flex-wrap:wrap;gap:1em}</style></head><body>\n");
        b.append("<h1>kvbench (").append(html(config.profile())).append(" profile)</h1>\n<p>");
        b.append(html(String.format(Locale.ROOT, "N = %,d keys of %d B, values of %d B, sync mode %s (fillsync and"
                        + " groupcommit: SYNC), cache %d MiB per engine, transactional engines commit every %d writes in"
                        + " NONE mode.", config.num(), config.keyBytes(), config.valueBytes(), config.syncMode(),
                config.cacheBytes() >> 20, config.commitEvery())));
        b.append(' ').append(html(capNote())).append("</p>\n<table>");
        machine.forEach((k, v) -> b.append("<tr><td>").append(html(k)).append("</td><td style=\"text-align:left\">")
                .append(html(v)).append("</td></tr>"));
        b.append("</table>\n");
        skipped.forEach((e, why) -> b.append("<p>Skipped <b>").append(html(e)).append("</b>: ").append(html(why))
                .append("</p>\n"));
        b.append("<p>").append(html(pageCacheNote())).append("</p>\n");
        if (!raw.isEmpty()) {
            b.append("<h2>Raw disk ceilings</h2>\n<table><tr><th>ceiling</th><th>ops/s</th><th>MB/s</th>"
                    + "<th>p50 µs</th><th>p99 µs</th><th>p99.9 µs</th><th>what</th></tr>");
            for (RawCeilings.Ceiling c : raw) {
                b.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%,.0f</td><td>%.1f</td><td>%s</td><td>%s</td>"
                                + "<td>%s</td><td style=\"text-align:left\">%s</td></tr>", c.name(), c.opsPerSec(),
                        c.bytesPerSec() / 1e6, micros(c.p50Nanos()), micros(c.p99Nanos()), micros(c.p999Nanos()),
                        html(c.description())));
            }
            b.append("</table>\n");
        }
        for (Map.Entry<String, List<Result>> e : byWorkload().entrySet()) {
            Workload w = Workload.byId(e.getKey());
            b.append("<h2>").append(html(w.id())).append("</h2>\n<p>").append(html(w.description()))
                    .append(html(String.format(Locale.ROOT, " — %,d ops%s, %d thread(s), %s.", config.opsOf(w),
                            config.capText(), config.threadsOf(w), config.syncModeOf(w)))).append("</p>\n");
            b.append("<table><tr><th>engine</th><th>ops/s</th><th>p50 µs</th><th>p99 µs</th><th>p99.9 µs</th>"
                    + "<th>disk MiB</th><th>open ms</th><th>vs best peer</th><th>note</th></tr>");
            List<Result> ok = new ArrayList<>();
            for (Result r : e.getValue()) {
                boolean ours = Engines.byName(r.engine()).durakv();
                if (r.error() != null) {
                    b.append("<tr><td>").append(html(r.engine())).append("</td><td colspan=\"8\">FAILED: ")
                            .append(html(r.error())).append("</td></tr>");
                    continue;
                }
                ok.add(r);
                Comparison c = compare(r);
                b.append(String.format(Locale.ROOT, "<tr%s><td>%s</td><td>%,.0f</td><td>%s</td><td>%s</td><td>%s</td>"
                                + "<td>%.1f</td><td>%.1f</td><td>%s</td><td style=\"text-align:left\">%s</td></tr>",
                        ours ? " class=\"ours\"" : "", html(r.engine()), r.opsPerSec(), micros(r.p50Nanos()),
                        micros(r.p99Nanos()), micros(r.p999Nanos()), r.bytesOnDisk() / 1048576.0, r.openNanos() / 1e6,
                        c == null ? "" : html(String.format(Locale.ROOT, "%.2f× %s", c.ratio(), c.peer())),
                        html(r.note())));
            }
            b.append("</table>\n<div class=\"charts\">\n");
            b.append(Charts.throughput(w.id() + ": ops/s (higher is better)", ok));
            b.append(Charts.latency(w.id() + ": latency µs, log scale (lower is better)", ok));
            b.append("</div>\n");
        }
        return b.append("</body></html>\n").toString();
    }
}
