package io.durakv.lsm;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static io.durakv.lsm.Stores.DIR;
import static io.durakv.lsm.Stores.key;
import static io.durakv.lsm.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;

/** Leveled compaction: level shape, tombstone dropping only where nothing older can remain, obsolete files. */
class CompactionTest {

    private static final String[] SMALL = {"lsm.memtableBytes", "2048", "lsm.level0Trigger", "2",
            "lsm.levelBaseBytes", "4096", "lsm.targetFileBytes", "2048"};

    private static FileMeta file(long n, String lo, String hi) {
        return new FileMeta(n, 100, lo.getBytes(StandardCharsets.US_ASCII), hi.getBytes(StandardCharsets.US_ASCII),
                n, n, 1);
    }

    @Test
    void aTombstoneMayBeDroppedOnlyWhereNoLevelBelowHoldsItsKey() {
        Version v = Version.empty().apply(new VersionEdit().add(2, file(1, "c", "f")).add(4, file(2, "m", "p")));
        byte[] d = "d".getBytes(StandardCharsets.US_ASCII);
        byte[] n = "n".getBytes(StandardCharsets.US_ASCII);
        byte[] x = "x".getBytes(StandardCharsets.US_ASCII);
        assertThat(Compaction.isBottomFor(v, 1, d)).isFalse(); // L2 holds d's range
        assertThat(Compaction.isBottomFor(v, 2, d)).isTrue();
        assertThat(Compaction.isBottomFor(v, 1, n)).isFalse(); // L4 holds n's range
        assertThat(Compaction.isBottomFor(v, 3, n)).isFalse();
        assertThat(Compaction.isBottomFor(v, 4, n)).isTrue();
        assertThat(Compaction.isBottomFor(v, 1, x)).isTrue();
        assertThat(Compaction.isBottomFor(v, LsmFormat.LEVELS - 1, d)).isTrue();
    }

    @Test
    void pickPrefersTheLevelMostOverItsLimitAndTakesOverlappingFilesBelow() {
        LsmConfig config = LsmConfig.from(io.durakv.api.StoreOptions.builder().property("lsm.level0Trigger", "2")
                .property("lsm.levelBaseBytes", "1024").build());
        Version v = Version.empty().apply(new VersionEdit().add(0, file(5, "a", "k")).add(0, file(6, "j", "q"))
                .add(1, file(1, "b", "c")).add(1, file(2, "p", "z")).add(1, file(3, "zz", "zzz")));
        Compaction c = Compaction.pick(v, config, new byte[LsmFormat.LEVELS][]);
        assertThat(c.level()).isZero();
        assertThat(c.inputs()).extracting(f -> f.number).containsExactlyInAnyOrder(5L, 6L);
        assertThat(c.nextInputs()).extracting(f -> f.number).containsExactly(1L, 2L);
        assertThat(Compaction.pick(Version.empty().apply(new VersionEdit().add(0, file(5, "a", "k"))), config,
                new byte[LsmFormat.LEVELS][])).isNull();
    }

    @Test
    void writesSpreadOverLevelsThatNeverOverlapAndDeletedKeysLeaveNoTombstonesAtTheBottom() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        TreeMap<String, byte[]> model = new TreeMap<>();
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < 300; i++) {
                    int k = (i * 7 + round * 13) % 300;
                    if (round == 3 && k % 3 == 0) {
                        s.delete(key(k));
                        model.remove(new String(key(k), StandardCharsets.US_ASCII));
                    } else {
                        s.put(key(k), value(k, round));
                        model.put(new String(key(k), StandardCharsets.US_ASCII), value(k, round));
                    }
                }
            }
            s.verify();
            Version v = s.versions.current();
            int deepest = 0;
            for (int level = 1; level < LsmFormat.LEVELS; level++) {
                if (!v.files(level).isEmpty()) {
                    deepest = level;
                }
            }
            assertThat(deepest).as("levels in " + v).isGreaterThanOrEqualTo(2);
            assertThat(s.stats().compactions.get()).isGreaterThan(3);
            assertThat(s.stats().tombstonesDropped.get()).isPositive();
            assertThat(s.stats().filesDeleted.get()).isPositive();
            // Only live tables remain on disk.
            List<Long> onDisk = new ArrayList<>();
            for (String name : disk.list(DIR)) {
                if (LsmFormat.sstNumber(name) >= 0) {
                    onDisk.add(LsmFormat.sstNumber(name));
                }
            }
            assertThat(onDisk).containsExactlyInAnyOrderElementsOf(v.allFiles().stream().map(f -> f.number).toList());
            checkEquals(s, model);
        }
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            s.verify();
            checkEquals(s, model);
        }
    }

    @Test
    void aTombstoneAboveAnOlderVersionSurvivesCompactionUntilNothingOlderRemains() {
        SimulatedDisk disk = new SimulatedDisk();
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            for (int i = 0; i < 400; i++) {
                s.put(key(i), value(i, 0));
            }
            s.delete(key(7));
            for (int i = 400; i < 460; i++) {
                s.put(key(i), value(i, 1)); // flushes and compacts the tombstone out of the memtable
            }
            assertThat(s.get(key(7))).isNull();
            try (KeyValueIterator it = s.scan(key(7), key(8))) {
                assertThat(it.hasNext()).isFalse();
            }
            s.verify();
        }
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            assertThat(s.get(key(7))).isNull();
            assertThat(s.get(key(6))).isEqualTo(value(6, 0));
        }
    }

    private static void checkEquals(LsmStore s, TreeMap<String, byte[]> model) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator it = s.scan(null, null)) {
            while (it.hasNext()) {
                KeyValue kv = it.next();
                String k = new String(kv.key(), StandardCharsets.US_ASCII);
                keys.add(k);
                assertThat(kv.value()).as(k).isEqualTo(model.get(k));
            }
        }
        assertThat(keys).containsExactlyElementsOf(model.keySet());
        for (var e : model.entrySet()) {
            assertThat(s.get(e.getKey().getBytes(StandardCharsets.US_ASCII))).isEqualTo(e.getValue());
        }
    }
}
