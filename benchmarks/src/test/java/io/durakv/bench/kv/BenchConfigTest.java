package io.durakv.bench.kv;

import io.durakv.api.SyncMode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchConfigTest {

    @Test
    void profilesSetTheKeyCountAndSyncOps() {
        BenchConfig quick = BenchConfig.parse("--quick");
        assertThat(quick.quick()).isTrue();
        assertThat(quick.num()).isEqualTo(100_000);
        assertThat(quick.syncOps()).isEqualTo(500);
        BenchConfig full = BenchConfig.parse();
        assertThat(full.num()).isEqualTo(1_000_000);
        assertThat(full.syncOps()).isEqualTo(20_000);
        assertThat(full.engines()).isEqualTo(Engines.names());
        assertThat(full.workloads()).isEqualTo(EnumSet.allOf(Workload.class));
        assertThat(full.keyBytes()).isEqualTo(16);
        assertThat(full.valueBytes()).isEqualTo(100);
        assertThat(full.syncMode()).isEqualTo(SyncMode.NONE);
        assertThat(full.cacheBytes()).isEqualTo(64L << 20);
        assertThat(quick.durationNanos()).as("the quick profile runs every operation").isZero();
        assertThat(full.durationNanos()).isEqualTo(4_000_000_000L);
    }

    @Test
    void theTimeCapCanBeSetOrTurnedOff() {
        BenchConfig full = BenchConfig.parse();
        assertThat(full.capText()).isEqualTo(", at most 4 s");
        assertThat(full.forWarmup().durationNanos()).isEqualTo(full.durationNanos());
        BenchConfig half = BenchConfig.parse("--duration", "2.5");
        assertThat(half.durationNanos()).isEqualTo(2_500_000_000L);
        assertThat(half.capText()).isEqualTo(", at most 2.5 s");
        assertThat(BenchConfig.parse("--quick", "--duration", "3").durationNanos()).isEqualTo(3_000_000_000L);
        BenchConfig off = BenchConfig.parse("--duration", "0");
        assertThat(off.durationNanos()).isZero();
        assertThat(off.capText()).isEmpty();
        assertThat(BenchConfig.parse("--quick").capText()).isEmpty();
        for (String bad : List.of("-1", "x", "NaN", "100000")) {
            assertThatThrownBy(() -> BenchConfig.parse("--duration", bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--duration");
        }
    }

    @Test
    void flagsOverrideTheProfile() {
        BenchConfig c = BenchConfig.parse("--quick", "--num", "5_000", "--engines", "lmdb, btree,lmdb",
                "--workloads", "readrandom,fillseq", "--key-size", "24", "--value-size", "0", "--threads", "3",
                "--writers", "4", "--sync-mode", "SYNC", "--cache-mb", "8", "--commit-every", "10", "--seek-nexts",
                "100", "--dir", "/x", "--out", "o", "--seed", "-7", "--no-progress", "--no-raw", "--sync-ops", "9",
                "--no-warmup");
        assertThat(c.num()).isEqualTo(5000);
        assertThat(c.engines()).containsExactly("lmdb", "btree");
        assertThat(c.workloads()).containsExactly(Workload.FILLSEQ, Workload.READRANDOM);
        assertThat(c.keyBytes()).isEqualTo(24);
        assertThat(c.valueBytes()).isZero();
        assertThat(c.threadsOf(Workload.READRANDOM)).isEqualTo(3);
        assertThat(c.threadsOf(Workload.FILLSEQ)).isEqualTo(1);
        assertThat(c.threadsOf(Workload.GROUPCOMMIT)).isEqualTo(4);
        assertThat(c.syncModeOf(Workload.FILLSEQ)).isEqualTo(SyncMode.SYNC);
        assertThat(c.cacheBytes()).isEqualTo(8L << 20);
        assertThat(c.commitEvery()).isEqualTo(10);
        assertThat(c.seekNexts()).isEqualTo(100);
        assertThat(c.dir()).isEqualTo(Path.of("/x"));
        assertThat(c.out()).isEqualTo(Path.of("o"));
        assertThat(c.seed()).isEqualTo(-7);
        assertThat(c.progress()).isFalse();
        assertThat(c.raw()).isFalse();
        assertThat(c.warmup()).isFalse();
        assertThat(BenchConfig.parse().warmup()).isTrue();
        assertThat(c.forWarmup().num()).isEqualTo(500);
        assertThat(c.forWarmup().raw()).isFalse();
        assertThat(c.opsOf(Workload.FILLSYNC)).isEqualTo(9);
        assertThat(c.opsOf(Workload.GROUPCOMMIT)).isEqualTo(18);
        assertThat(c.opsOf(Workload.SEEKRANDOM)).isEqualTo(500);
        assertThat(c.opsOf(Workload.FILL16K)).isEqualTo(5000 / 64);
    }

    @Test
    void fillsyncAndGroupcommitAreAlwaysSync() {
        BenchConfig c = BenchConfig.parse();
        assertThat(c.syncModeOf(Workload.FILLSYNC)).isEqualTo(SyncMode.SYNC);
        assertThat(c.syncModeOf(Workload.GROUPCOMMIT)).isEqualTo(SyncMode.SYNC);
        assertThat(c.syncModeOf(Workload.OVERWRITE)).isEqualTo(SyncMode.NONE);
    }

    @Test
    void badFlagsAreRejectedWithTheirName() {
        for (List<String> bad : List.of(List.of("--num"), List.of("--num", "x"), List.of("--num", "0"),
                List.of("--key-size", "7"), List.of("--engines", "chronicle"), List.of("--workloads", "fillall"),
                List.of("--sync-mode", "batch"), List.of("--frobnicate", "1"), List.of("extra"),
                List.of("--engines", ","))) {
            assertThatThrownBy(() -> BenchConfig.parse(bad.toArray(String[]::new)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertThat(e.getMessage()).containsAnyOf(bad.get(0), bad.get(bad.size() - 1),
                            "unexpected", "no engine"));
        }
    }

    @Test
    void helpIsItsOwnOutcomeAndListsEveryFlagAndWorkload() {
        assertThatThrownBy(() -> BenchConfig.parse("--quick", "--help")).isInstanceOf(BenchConfig.HelpRequested.class);
        assertThatThrownBy(() -> BenchConfig.parse("-h")).isInstanceOf(BenchConfig.HelpRequested.class);
        String usage = BenchConfig.usage();
        for (String flag : List.of("--quick", "--num", "--engines", "--workloads", "--key-size", "--value-size",
                "--threads", "--writers", "--sync-mode", "--sync-ops", "--dir", "--out", "--duration")) {
            assertThat(usage).contains(flag);
        }
        Workload.ids().forEach(id -> assertThat(usage).contains(id));
    }
}
