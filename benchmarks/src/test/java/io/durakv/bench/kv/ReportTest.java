package io.durakv.bench.kv;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ReportTest {

    private static Result row(String workload, String engine, long ops, double seconds) {
        return new Result(workload, engine, ops, 1, seconds, 1_500, 20_000, 300_000, 4_194_304, 12_000_000,
                "a \"quoted\" <note>", null, ops, 0, false);
    }

    private static Result capped(String workload, String engine, long ops, long planned, double seconds) {
        return new Result(workload, engine, ops, 1, seconds, 1_500, 20_000, 300_000, 4_194_304, 12_000_000,
                "capped at 4 s: " + ops + " of " + planned + " ops", null, planned, 4, true);
    }

    private static Report report(List<Result> results) {
        return report(BenchConfig.parse("--quick"), results);
    }

    private static Report report(BenchConfig config, List<Result> results) {
        Map<String, String> machine = new LinkedHashMap<>();
        machine.put("cores", "2");
        machine.put("memoryBytes", Long.toString(8L << 30));
        RawCeilings.Ceiling force = new RawCeilings.Ceiling("raw-force", "write + force", 100, 0.5, 23_200, 4_000,
                9_000, 12_000);
        return new Report(config, machine, List.of(force),
                Map.of("lsm", "not on the class path yet"), results);
    }

    @Test
    void ratioIsAgainstTheBestPeerOfTheSameKind() {
        Result btree = row("readrandom", "btree", 1000, 1.0);
        List<Result> results = List.of(btree, row("readrandom", "rocksdb", 5000, 1.0),
                row("readrandom", "lmdb", 800, 1.0), row("readrandom", "mvstore", 400, 1.0),
                row("fillseq", "lmdb", 9000, 1.0));
        Report.Comparison c = report(results).compare(btree);
        assertThat(c.peer()).isEqualTo("lmdb");
        assertThat(c.ratio()).isCloseTo(1.25, within(1e-9));
        assertThat(report(results).compare(results.get(1))).as("peers get no ratio").isNull();
    }

    @Test
    void bitcaskIsComparedWithTheBestPeerOfAnyKind() {
        Result bitcask = row("readrandom", "bitcask", 1000, 1.0);
        Report r = report(List.of(bitcask, row("readrandom", "rocksdb", 4000, 1.0),
                row("readrandom", "lmdb", 2000, 1.0)));
        assertThat(r.compare(bitcask).peer()).isEqualTo("rocksdb");
        assertThat(r.compare(bitcask).ratio()).isCloseTo(0.25, within(1e-9));
    }

    @Test
    void failedPeersAreNotTheBestAndFailedRowsHaveNoOpsPerSec() {
        Result btree = row("overwrite", "btree", 1000, 1.0);
        Result failed = Result.failed("overwrite", "lmdb", "boom");
        Report r = report(List.of(btree, failed, row("overwrite", "xodus", 500, 1.0)));
        assertThat(r.compare(btree).peer()).isEqualTo("xodus");
        assertThat(failed.opsPerSec()).isZero();
        assertThat(r.text()).contains("lmdb      FAILED: boom");
    }

    @Test
    void jsonHasEveryFigureAndEscapesStrings() {
        String json = report(List.of(row("fillseq", "btree", 2000, 0.5), row("fillseq", "lmdb", 1000, 0.5))).json();
        assertThat(json).contains("\"profile\": \"quick\"", "\"num\": 100000", "\"cores\": \"2\"",
                "\"skipped\": {\"lsm\": \"not on the class path yet\"}", "\"name\": \"raw-force\"",
                "\"workload\": \"fillseq\", \"engine\": \"btree\", \"kind\": \"BTREE\", \"durakv\": true",
                "\"ops\": 2000", "\"opsPerSec\": 4000.0", "\"p50Micros\": 1.500", "\"p999Micros\": 300.000",
                "\"bytesOnDisk\": 4194304", "\"openMillis\": 12.000", "\"bestPeer\": \"lmdb\"",
                "\"ratioToBestPeer\": 2.0000", "\"note\": \"a \\\"quoted\\\" <note>\"", "\"error\": null");
        assertThat(Report.str("a\\b\n\u0001")).isEqualTo("\"a\\\\b\\n\\u0001\"");
        // Balanced braces and brackets: a cheap structural check without a JSON library.
        assertThat(json.chars().filter(ch -> ch == '{').count()).isEqualTo(json.chars().filter(ch -> ch == '}').count());
        assertThat(json.chars().filter(ch -> ch == '[').count()).isEqualTo(json.chars().filter(ch -> ch == ']').count());
    }

    @Test
    void aCappedRunSaysSoInTheTablesTheJsonAndTheHtml() {
        Result btree = capped("readrandom", "btree", 400_000, 1_000_000, 4.0);
        Report r = report(BenchConfig.parse(), List.of(btree,
                row("readrandom", "lmdb", 1_000_000, 2.0), row("readseq", "btree", 1_000_000, 1.0)));
        String text = r.text();
        assertThat(text).contains("== readrandom (1,000,000 ops, at most 4 s, 1 thread(s), NONE) ==",
                "== readseq (1,000,000 ops, at most 4 s, 1 thread(s), NONE) ==", "capped at 4 s: 400000 of 1000000 ops",
                "Each workload stops after 4 s (--duration)", "1 of 3 results were capped");
        // ops/s is over the time the capped workload ran: 400 000 ops in 4 s.
        assertThat(text).contains("btree          100,000");
        assertThat(r.compare(btree).ratio()).isCloseTo(100_000 / 500_000.0, within(1e-9));
        String json = r.json();
        assertThat(json).contains("\"durationSeconds\": 4", "\"ops\": 400000", "\"opsPerSec\": 100000.0",
                "\"plannedOps\": 1000000, \"capSeconds\": 4, \"capped\": true",
                "\"plannedOps\": 1000000, \"capSeconds\": 0, \"capped\": false");
        assertThat(r.html()).contains("1,000,000 ops, at most 4 s, 1 thread(s), NONE.", "1 of 3 results were capped");
    }

    @Test
    void anUncappedRunKeepsItsHeadersAndSaysNothingWasCapped() {
        Report r = report(List.of(row("readrandom", "btree", 100_000, 1.0)));
        assertThat(r.text()).contains("== readrandom (100,000 ops, 1 thread(s), NONE) ==",
                "Every workload ran its full operation count (no --duration cap).");
        assertThat(r.json()).contains("\"durationSeconds\": 0", "\"capped\": false");
    }

    @Test
    void htmlIsSelfContainedWithChartsPerWorkload() {
        String html = report(List.of(row("fillseq", "btree", 2000, 0.5), row("fillseq", "lmdb", 1000, 0.5),
                row("ycsba", "btree", 10, 1.0))).html();
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        assertThat(html).contains("<h2>fillseq</h2>", "<h2>ycsba</h2>", "fillseq: ops/s",
                "fillseq: latency", "a &quot;quoted&quot; &lt;note&gt;", "2.00× lmdb", "Raw disk ceilings");
        assertThat(html.split("<svg", -1)).hasSize(1 + 4);
        assertThat(html).doesNotContain("<script", "src=", "href=");
    }

    @Test
    void pageCacheNoteNamesTheLargestStoreAndTheMemory() {
        String note = report(List.of(row("fillseq", "btree", 2000, 0.5))).pageCacheNote();
        assertThat(note).contains("4.0 MiB", "8192.0 MiB", "page cache");
    }
}
