package io.durakv.bench.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kvbench end to end on a tiny op count: the three DuraKV engines and one pure-Java peer (MVStore; iq80 LevelDB is
 * not used here because of its known "Could not open table" race, dain/leveldb#78, which kvbench reports as a failed
 * workload), every workload, JSON and HTML written.
 */
class KvBenchSmokeTest {

    @TempDir
    Path tmp;

    @Test
    void everyWorkloadRunsOnEveryDuraKvEngineAndAPeerAndTheJsonSaysSo() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = KvBench.run(new String[] {"--num", "400", "--sync-ops", "10", "--duration", "0", "--engines", "btree,lsm,bitcask,mvstore",
                "--threads", "2", "--writers", "3", "--no-progress", "--no-raw", "--dir", tmp.resolve("data").toString(),
                "--out", tmp.resolve("out").toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stdout = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("stdout:%n%s%nstderr:%n%s", stdout, err).isZero();
        String json = Files.readString(tmp.resolve("out/kvbench.json"));
        for (String engine : new String[] {"btree", "lsm", "bitcask", "mvstore"}) {
            for (Workload w : Workload.values()) {
                Matcher m = Pattern.compile("\"workload\": \"" + w.id() + "\", \"engine\": \"" + engine
                        + "\", [^}]*\"ops\": (\\d+), [^}]*\"opsPerSec\": ([0-9.]+),[^}]*\"error\": null").matcher(json);
                assertThat(m.find()).as("%s %s in%n%s", engine, w.id(), json).isTrue();
                assertThat(Long.parseLong(m.group(1))).as("%s %s ops", engine, w.id()).isPositive();
                assertThat(Double.parseDouble(m.group(2))).as("%s %s ops/s", engine, w.id()).isPositive();
            }
        }
        // No LSM peer ran, so lsm has no best peer of its kind; btree and bitcask are compared with MVStore.
        assertThat(json).contains("\"bestPeer\": null", "\"bestPeer\": \"mvstore\"").doesNotContain("\"capped\": true");
        assertThat(stdout).contains("== readwhilewriting", "== groupcommit (20 ops, 3 thread(s), SYNC) ==");
        assertThat(Files.readString(tmp.resolve("out/kvbench.html"))).contains("<h2>ycsbf</h2>", "<svg");
        try (var left = Files.list(tmp.resolve("data"))) {
            assertThat(left).as("stores deleted after the run").isEmpty();
        }
    }

    /**
     * A 1 ms cap on 50 000 operations stops every workload early (no engine does 50 000 puts, gets or scanned entries
     * through kvbench in 1 ms), so this checks what a capped run reports and that a capped fillrandom still leaves all
     * N keys: readrandom fails if an existing key reads as absent. Nothing here depends on how fast the machine is
     * beyond that.
     */
    @Test
    void aTimeCapStopsWorkloadsEarlyReportsItAndACappedLoadStillHoldsEveryKey() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = KvBench.run(new String[] {"--num", "50000", "--duration", "0.001", "--engines", "btree",
                "--workloads", "fillrandom,readrandom,readseq,overwrite", "--no-progress", "--no-raw", "--no-warmup",
                "--dir", tmp.resolve("data").toString(), "--out", tmp.resolve("out").toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stdout = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("stdout:%n%s%nstderr:%n%s", stdout, err).isZero();
        String json = Files.readString(tmp.resolve("out/kvbench.json"));
        assertThat(json).contains("\"durationSeconds\": 0.001");
        for (String w : new String[] {"fillrandom", "readrandom", "readseq", "overwrite"}) {
            Matcher m = Pattern.compile("\"workload\": \"" + w + "\", [^}]*\"ops\": (\\d+), [^}]*\"plannedOps\": 50000,"
                    + " \"capSeconds\": 0.001, \"capped\": true, \"note\": \"capped at 0.001 s: [0-9,]+ of 50,000 ops"
                    + "([^\"]*)\", \"error\": null").matcher(json);
            assertThat(m.find()).as("%s capped in%n%s", w, json).isTrue();
            assertThat(Long.parseLong(m.group(1))).as(w + " ops").isPositive().isLessThan(50_000);
            if (w.equals("fillrandom")) {
                assertThat(m.group(2)).containsPattern("the other [0-9,]+ puts of fillrandom done untimed");
            }
        }
        assertThat(stdout).contains("== readrandom (50,000 ops, at most 0.001 s, 1 thread(s), NONE) ==",
                "== readseq (50,000 ops, at most 0.001 s, 1 thread(s), NONE) ==", "4 of 4 results were capped");
    }

    @Test
    void rawForceCeilingMeasuresEveryWrite() {
        RawCeilings.Ceiling c = RawCeilings.force(tmp, 116, 20);
        assertThat(c.ops()).isEqualTo(20);
        assertThat(c.opsPerSec()).isPositive();
        assertThat(c.bytesPerSec()).isPositive();
        assertThat(c.p50Nanos()).isPositive().isLessThanOrEqualTo(c.p999Nanos());
    }

    @Test
    void helpAndBadFlagsExitWithoutRunning() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(KvBench.run(new String[] {"--help"}, o, e)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: java -jar durakv-bench.jar kvbench");
        assertThat(KvBench.run(new String[] {"--num", "-1"}, o, e)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--num must be positive");
    }
}
