package io.durakv.lsm;

import io.durakv.api.StoreException;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
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
 * Review of the merged flush (7d372ac): two waiting immutable memtables written into one table. Attacks the
 * newest-version rule across the two (a key in both, deleted in the newer and put in the older and the reverse, with
 * values large enough to move the memtables onto new data pages), a power loss at every disk call of recovery's merged
 * flushes of a log holding overwrites and deletes (MergedFlushTest loses power over puts of fresh keys only), a merged
 * flush failing for no space and retried (at the next open, or by the background thread while writers stall), and close
 * flushing while the background retries.
 */
class MergedFlushReviewTest {

    private static final String[] SMALL = {"lsm.memtableBytes", "4096", "lsm.closeFlushBytes", "1099511627776",
            "lsm.level0Trigger", "100", "lsm.level0StopTrigger", "300"};
    private static final String[] LARGE = {"lsm.memtableBytes", "1048576", "lsm.closeFlushBytes", "1099511627776"};

    private static List<WriteBatch.Op> put(String key, byte[] value) {
        return List.of(new WriteBatch.Op(key.getBytes(StandardCharsets.US_ASCII), value));
    }

    private static List<WriteBatch.Op> del(String key) {
        return List.of(new WriteBatch.Op(key.getBytes(StandardCharsets.US_ASCII), null));
    }

    private static byte[] big(int n, int fill) {
        byte[] v = new byte[n];
        Arrays.fill(v, (byte) fill);
        return v;
    }

    @Test
    void theNewerMemtableWinsEveryCombinationOfPutAndDelete() throws Exception {
        Memtable older = new Memtable(1 << 22);
        Memtable newer = new Memtable(1 << 22);
        String prefix = "shared-prefix-".repeat(8);
        long seq = 0;
        Map<String, String> expected = new TreeMap<>(); // key -> "seq PUT fill" or "seq DEL"
        // Large values first: later keys of both memtables lie on data pages after the first.
        for (int i = 0; i < 40; i++) {
            String k = prefix + String.format("%03d-filler", i);
            older.apply(put(k, big(3000, i)), ++seq);
            expected.put(k, seq + " PUT " + i);
        }
        long olderStart = seq;
        String[] cases = {"put-older-del-newer", "del-older-put-newer", "puts-older-del-put-newer", "del-older-only",
                "versions-newer-only", "del-del", "put-put"};
        for (int round = 0; round < 3; round++) {
            older.apply(put(prefix + cases[0], big(10 + round, 1)), ++seq);
            older.apply(del(prefix + cases[1]), ++seq);
            older.apply(put(prefix + cases[2], big(5000, 2 + round)), ++seq);
            older.apply(del(prefix + cases[3]), ++seq);
            expected.put(prefix + cases[3], seq + " DEL");
            older.apply(del(prefix + cases[5]), ++seq);
            older.apply(put(prefix + cases[6], big(200, 3)), ++seq);
        }
        assertThat(seq).isGreaterThan(olderStart);
        for (int i = 0; i < 30; i++) { // the newer one starts on its own pages
            newer.apply(put(prefix + String.format("%03d-newer", i), big(2500, 100 + i)), ++seq);
            expected.put(prefix + String.format("%03d-newer", i), seq + " PUT " + (byte) (100 + i));
        }
        newer.apply(del(prefix + cases[0]), ++seq);
        expected.put(prefix + cases[0], seq + " DEL");
        newer.apply(put(prefix + cases[1], big(4000, 50)), ++seq);
        expected.put(prefix + cases[1], seq + " PUT 50");
        newer.apply(del(prefix + cases[2]), ++seq);
        newer.apply(put(prefix + cases[2], big(7, 51)), ++seq);
        expected.put(prefix + cases[2], seq + " PUT 51");
        for (int v = 0; v < 4; v++) {
            newer.apply(put(prefix + cases[4], big(100 * v + 1, 60 + v)), ++seq);
        }
        expected.put(prefix + cases[4], seq + " PUT 63");
        newer.apply(del(prefix + cases[5]), ++seq);
        expected.put(prefix + cases[5], seq + " DEL");
        newer.apply(put(prefix + cases[6], big(200, 70)), ++seq);
        expected.put(prefix + cases[6], seq + " PUT 70");

        SimulatedDisk disk = new SimulatedDisk();
        Path file = Path.of("/t/000001.sst");
        disk.createDirectories(file.getParent());
        SstWriter w = SstWriter.create(disk, file, SstOptions.defaults().withBlockBytes(256));
        Maintenance.writeNewest(List.of(newer, older), w);
        w.finish();
        Map<String, String> actual = new TreeMap<>();
        try (SstReader r = SstReader.open(disk, file, 1, null); InternalIterator it = r.iterator()) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                String k = new String(it.key(), StandardCharsets.US_ASCII);
                assertThat(actual).as("each key once").doesNotContainKey(k);
                byte[] v = it.value();
                if (it.kind() == EntryKind.DELETE) {
                    actual.put(k, it.sequence() + " DEL");
                } else {
                    for (byte b : v) {
                        assertThat(b).as("value of %s all one byte", k).isEqualTo(v[0]);
                    }
                    actual.put(k, it.sequence() + " PUT " + v[0]);
                }
            }
        }
        assertThat(actual).containsExactlyEntriesOf(expected);
    }

    private static final int KEYS = 120;

    /** Three rounds over the keys, every fifth deleted in the last: one large memtable, all of it left in the log. */
    private static Map<Integer, byte[]> overwritesAndDeletesIntoTheLog(SimulatedDisk disk) {
        Map<Integer, byte[]> model = new TreeMap<>();
        try (LsmStore s = Stores.open(disk, false, LARGE)) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < KEYS; i++) {
                    if (round == 2 && i % 5 == 0) {
                        s.delete(key(i));
                        model.remove(i);
                    } else if (round == 1 && i % 7 == 0) {
                        s.delete(key(i)); // deleted in a middle memtable, put again in a newer one
                        model.remove(i);
                    } else {
                        s.put(key(i), value(i, round));
                        model.put(i, value(i, round));
                    }
                }
            }
        }
        return model;
    }

    private static void check(LsmStore s, Map<Integer, byte[]> model, String where) {
        s.verify();
        for (int i = 0; i < KEYS; i++) {
            assertThat(s.get(key(i))).as(where + ": key " + i).isEqualTo(model.get(i));
        }
        List<Integer> scanned = new ArrayList<>();
        try (var it = s.scan(null, null)) {
            while (it.hasNext()) {
                var kv = it.next();
                int i = Integer.parseInt(new String(kv.key(), StandardCharsets.US_ASCII).substring(3));
                assertThat(kv.value()).as(where + ": scanned key " + i).isEqualTo(model.get(i));
                scanned.add(i);
            }
        }
        assertThat(scanned).as(where + ": scanned keys").containsExactlyElementsOf(model.keySet());
    }

    @Test
    void aPowerLossAtAnyCallOfMergedFlushesOfOverwritesAndDeletesLosesNothing() {
        SimulatedDisk probe = new SimulatedDisk();
        Map<Integer, byte[]> model = overwritesAndDeletesIntoTheLog(probe);
        try (LsmStore s = Stores.open(probe, false, SMALL)) {
            assertThat(s.stats().memtablesFlushedTogether.get()).as("%s", s.stats()).isPositive();
            check(s, model, "without a power loss");
        }
        Stores.powerLossAtEveryCallOfOpen(MergedFlushReviewTest::overwritesAndDeletesIntoTheLog, SMALL,
                (s, where) -> check(s, model, where), true);
    }

    /**
     * Recovery's merged flush fails on a full disk (the table's n-th write, its creation, the manifest edit): open
     * fails with the power on and leaves the log whole; the next open, with space back, flushes and loses nothing.
     */
    @ParameterizedTest(name = "{0} of {1} fails from call {2} on")
    @CsvSource({"WRITE, .*\\.sst, 1", "WRITE, .*\\.sst, 3", "CREATE, .*\\.sst, 2", "WRITE, .*manifest-.*, 1",
            "WRITE, .*manifest-.*, 2"})
    void aMergedFlushFailingForNoSpaceAtOpenIsRetriedByTheNextOpen(DiskOp op, String path, long n) {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> model = overwritesAndDeletesIntoTheLog(disk);
        disk.inject(FaultRule.fromNthCall(op, path, n));
        try {
            Stores.open(disk, false, SMALL).close();
            throw new AssertionError("open succeeded although its flushes could not be written");
        } catch (StoreException e) {
            assertThat(disk.poweredOff()).isFalse();
        }
        disk.clearFaults();
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            assertThat(s.stats().memtablesFlushedTogether.get()).as("%s", s.stats()).isPositive();
            check(s, model, "the open after the failed one");
        }
        for (long seed = 0; seed < 2; seed++) {
            try (LsmStore s = Stores.open(disk.crash(seed), false, SMALL)) {
                check(s, model, "a crash after it, image " + seed);
            }
        }
    }

    /**
     * Background: flushes fail for no space until writers stall with three immutable memtables waiting; space comes
     * back and the retry flushes them two to a table while writes go on, then close flushes the rest. Every
     * acknowledged write is there, after the close and after a crash.
     */
    @Test
    void mergedFlushesRetriedInTheBackgroundAfterNoSpaceThenCloseLoseNothing() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        String[] props = {"lsm.memtableBytes", "2048", "lsm.maxImmutableMemtables", "3", "lsm.failingStallMillis",
                "100", "lsm.closeFlushBytes", "0", "lsm.level0Trigger", "4"};
        Map<Integer, byte[]> model = new TreeMap<>();
        LsmStore s = Stores.open(disk, true, props);
        try {
            for (int i = 0; i < 200; i++) {
                s.put(key(i % 100), value(i, 0));
                model.put(i % 100, value(i, 0));
            }
            disk.inject(FaultRule.fromNthCall(DiskOp.WRITE, ".*\\.sst", 1));
            int failed = 0;
            for (int i = 0; i < 3000 && failed == 0; i++) {
                int k = i % 100;
                try {
                    if (i % 9 == 0) {
                        s.delete(key(k));
                        model.remove(k);
                    } else {
                        s.put(key(k), value(i, 1));
                        model.put(k, value(i, 1));
                    }
                } catch (StoreException e) {
                    assertThat(e).hasMessageContaining("write not logged");
                    failed++;
                }
            }
            assertThat(failed).as("writers stalled behind the failing flushes and gave up").isPositive();
            assertThat(s.view().immutables().size()).as("immutable memtables waiting").isGreaterThanOrEqualTo(2);
            long together = s.stats().memtablesFlushedTogether.get();
            disk.clearFaults();
            // A write needing room fails at once until the backed-off retry succeeded (at most MAX_BACKOFF_MILLIS
            // away): each is tried again then. Nothing of a failed one was logged.
            int waits = 0;
            for (int i = 0; i < 400; i++) { // the retries flush two to a table
                int k = i % 100;
                while (true) {
                    try {
                        if (i % 11 == 0) {
                            s.delete(key(k));
                            model.remove(k);
                        } else {
                            s.put(key(k), value(i, 2));
                            model.put(k, value(i, 2));
                        }
                        break;
                    } catch (StoreException e) {
                        assertThat(waits++).as("space is back; the retry is due: " + e).isLessThan(1000);
                        Thread.sleep(5);
                    }
                }
            }
            assertThat(s.stats().memtablesFlushedTogether.get()).as("%s", s.stats()).isGreaterThan(together);
            for (int i = 0; i < 100; i++) {
                assertThat(s.get(key(i))).as("key %d", i).isEqualTo(model.get(i));
            }
        } finally {
            s.close(); // flushes what waits (lsm.closeFlushBytes 0), after the background thread stopped
        }
        SimulatedDisk image = disk.crash(3);
        for (SimulatedDisk d : List.of(disk, image)) {
            try (LsmStore again = Stores.open(d, false, props)) {
                again.verify();
                for (int i = 0; i < 100; i++) {
                    assertThat(again.get(key(i))).as("key %d", i).isEqualTo(model.get(i));
                }
            }
        }
    }
}
