package io.durakv.lsm;

import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.durakv.lsm.Stores.key;
import static io.durakv.lsm.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flush that finds two immutable memtables waiting writes them into one table (one table, one round of forces): the
 * table holds the newest version of each key of both, tombstones included, and a power loss at any disk call of such
 * flushes loses nothing acknowledged.
 */
class MergedFlushTest {

    /** Recovery replays the log into memtables of this size and flushes them, two to a table. */
    private static final String[] SMALL = {"lsm.memtableBytes", "4096", "lsm.closeFlushBytes", "1099511627776",
            "lsm.level0Trigger", "100", "lsm.level0StopTrigger", "300"};
    /** Writes go to one large memtable that close leaves in the log. */
    private static final String[] LARGE = {"lsm.memtableBytes", "1048576", "lsm.closeFlushBytes", "1099511627776"};
    private static final int KEYS = 300;

    private static List<WriteBatch.Op> put(byte[] key, byte[] value) {
        return List.of(new WriteBatch.Op(key, value));
    }

    @Test
    void twoMemtablesFlushIntoOneTableWithTheNewestVersionOfEachKey() throws Exception {
        Memtable older = new Memtable();
        Memtable newer = new Memtable();
        TreeMap<String, byte[]> model = new TreeMap<>(); // key -> newest value, null = tombstone
        Map<String, Long> seqs = new TreeMap<>();
        long seq = 0;
        for (int i = 0; i < 200; i++) {
            older.apply(put(key(i), value(i, 0)), ++seq);
            model.put(new String(key(i)), value(i, 0));
            seqs.put(new String(key(i)), seq);
        }
        for (int i = 0; i < 200; i += 2) { // an older version in the same memtable too: the newest of it wins
            older.apply(put(key(i), value(i, 1)), ++seq);
            model.put(new String(key(i)), value(i, 1));
            seqs.put(new String(key(i)), seq);
        }
        for (int i = 0; i < 250; i++) {
            if (i % 3 == 0) {
                newer.apply(List.of(new WriteBatch.Op(key(i), null)), ++seq);
                model.put(new String(key(i)), null);
            } else if (i % 4 == 1 || i >= 200) {
                newer.apply(put(key(i), value(i, 2)), ++seq);
                model.put(new String(key(i)), value(i, 2));
            } else {
                continue;
            }
            seqs.put(new String(key(i)), seq);
        }
        SimulatedDisk disk = new SimulatedDisk();
        Path file = Path.of("/t/000001.sst");
        disk.createDirectories(file.getParent());
        SstWriter w = SstWriter.create(disk, file, SstOptions.defaults().withBlockBytes(512));
        Maintenance.writeNewest(List.of(newer, older), w);
        SstMeta meta = w.finish();
        assertThat(meta.entries()).isEqualTo(model.size());
        List<String> keys = new ArrayList<>();
        try (SstReader r = SstReader.open(disk, file, 1, null); InternalIterator it = r.iterator()) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                String k = new String(it.key());
                keys.add(k);
                assertThat(it.sequence()).as("sequence of %s", k).isEqualTo(seqs.get(k));
                byte[] expected = model.get(k);
                if (expected == null) {
                    assertThat(it.kind()).as("%s is a tombstone", k).isEqualTo(EntryKind.DELETE);
                } else {
                    assertThat(it.kind()).isEqualTo(EntryKind.PUT);
                    assertThat(it.value()).as("value of %s", k).isEqualTo(expected);
                }
            }
        }
        assertThat(keys).as("each key once, in order").containsExactlyElementsOf(model.keySet());
    }

    /** Puts keys 0..KEYS-1 into one large memtable and closes without flushing: everything is in the log. */
    private static void putAllIntoTheLog(SimulatedDisk disk) {
        assertThat(Stores.putAndClose(disk, KEYS, 0, LARGE)).isEqualTo(KEYS);
    }

    private static void checkAll(LsmStore s, String where) {
        s.verify();
        for (int i = 0; i < KEYS; i++) {
            assertThat(s.get(key(i))).as(where + ": key " + i).isEqualTo(value(i, 0));
        }
    }

    @Test
    void recoveryFlushesReplayedMemtablesTwoToATable() {
        SimulatedDisk disk = new SimulatedDisk();
        putAllIntoTheLog(disk);
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            assertThat(s.stats().memtablesFlushedTogether.get()).as("%s", s.stats()).isPositive();
            assertThat(s.stats().flushes.get()).as("fewer tables than memtables: %s", s.stats())
                    .isLessThan(s.stats().memtablesFlushedTogether.get());
            assertThat(s.versions.coveredLsn()).as("replayed records in tables (the last memtable stays active)")
                    .isPositive().isLessThan(KEYS);
            checkAll(s, "after the recovery's flushes");
        }
        try (LsmStore s = Stores.open(disk.crash(1), false, SMALL)) {
            checkAll(s, "after a crash following them");
        }
    }

    @Test
    void aPowerLossAfterAnyCallOfFlushesOfTwoMemtablesLosesNothing() {
        Stores.powerLossAtEveryCallOfOpen(MergedFlushTest::putAllIntoTheLog, SMALL, MergedFlushTest::checkAll, false);
    }

    @Test
    void theNewestVersionWinsAcrossMemtablesFlushedTogether() {
        SimulatedDisk disk = new SimulatedDisk();
        try (LsmStore s = Stores.open(disk, false, LARGE)) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < KEYS; i++) {
                    if (round == 2 && i % 5 == 0) {
                        s.delete(key(i));
                    } else {
                        s.put(key(i), value(i, round));
                    }
                }
            }
        }
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            assertThat(s.stats().memtablesFlushedTogether.get()).as("%s", s.stats()).isPositive();
            s.verify();
            for (int i = 0; i < KEYS; i++) {
                assertThat(s.get(key(i))).as("key %d", i).isEqualTo(i % 5 == 0 ? null : value(i, 2));
            }
            List<Integer> scanned = new ArrayList<>();
            try (var it = s.scan(null, null)) {
                while (it.hasNext()) {
                    var kv = it.next();
                    int i = Integer.parseInt(new String(kv.key()).substring(3));
                    scanned.add(i);
                    assertThat(kv.value()).as("scanned key %d", i).isEqualTo(value(i, 2));
                }
            }
            assertThat(scanned).hasSize(KEYS - KEYS / 5).isSorted();
            assertThat(Arrays.asList(scanned.toArray())).doesNotContain(0, 5, 10);
        }
    }
}
