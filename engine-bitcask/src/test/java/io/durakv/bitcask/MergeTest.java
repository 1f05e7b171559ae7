package io.durakv.bitcask;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.durakv.bitcask.Stores.DIR;
import static io.durakv.bitcask.Stores.key;
import static io.durakv.bitcask.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The merge protocol: what it keeps, what it drops, and that a deleted key never comes back, crash or not. */
class MergeTest {

    private static final int KEYS = 16;
    private static final int VALUE_BYTES = 3000;

    /** Writes {@code rounds} versions of every key: several 64 KiB data files. */
    private static void overwrite(BitcaskStore s, Map<Integer, byte[]> model, int firstRound, int rounds) {
        for (int r = firstRound; r < firstRound + rounds; r++) {
            for (int i = 0; i < KEYS; i++) {
                byte[] v = value(i, r, VALUE_BYTES);
                s.put(key(i), v);
                model.put(i, v);
            }
        }
    }

    private static void assertContent(BitcaskStore s, Map<Integer, byte[]> model) {
        for (int i = 0; i < KEYS + 1; i++) {
            assertThat(s.get(key(i))).as("key %d", i).isEqualTo(model.get(i));
        }
        List<KeyValue> scanned = new ArrayList<>();
        try (KeyValueIterator it = s.scan(null, null)) {
            it.forEachRemaining(scanned::add);
        }
        assertThat(scanned).hasSize(model.size());
    }

    @Test
    void mergeReplacesEverySealedFileAndKeepsEveryLiveValue() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> model = new TreeMap<>();
        try (BitcaskStore s = Stores.open(disk)) {
            overwrite(s, model, 0, 6);
            assertThat(s.wal.segmentStarts().length).isGreaterThan(3);
            s.mergeNow();
            assertThat(s.wal.segmentStarts()).hasSize(1);
            assertThat(disk.exists(DIR.resolve("MERGE"))).isTrue();
            assertThat(disk.exists(DIR.resolve(BitcaskFormat.mergeDataName(1)))).isTrue();
            assertThat(disk.exists(DIR.resolve(BitcaskFormat.mergeHintName(1)))).isTrue();
            assertContent(s, model);
            overwrite(s, model, 6, 6);
            s.mergeNow();
            assertThat(disk.exists(DIR.resolve(BitcaskFormat.mergeDataName(1)))).isFalse();
            assertThat(disk.exists(DIR.resolve(BitcaskFormat.mergeDataName(2)))).isTrue();
            assertContent(s, model);
        }
        try (BitcaskStore s = Stores.open(disk)) {
            assertContent(s, model);
        }
    }

    /**
     * Keys written in large batches (each batch one record, read once per merge for all its keys): a key put twice in
     * one batch keeps the later value, a key deleted later in its batch and one put again later in it are right, and
     * keys overwritten after the batch keep their newer value, across merges and a reopen.
     */
    @Test
    void mergeOfKeysWrittenInLargeBatchesKeepsTheLastOperationOfEachKey() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> model = new TreeMap<>();
        try (BitcaskStore s = Stores.open(disk)) {
            for (int b = 0; b < 6; b++) {
                io.durakv.api.WriteBatch batch = new io.durakv.api.WriteBatch();
                for (int i = 0; i < 150; i++) {
                    int k = b * 150 + i;
                    batch.put(key(k), value(k, 1, 40));
                    model.put(k, value(k, 1, 40));
                    if (i % 10 == 3) {
                        batch.put(key(k), value(k, 2, 40)); // the later put in the same batch wins
                        model.put(k, value(k, 2, 40));
                    }
                    if (i % 10 == 5) {
                        batch.delete(key(k - 1)); // deleted later in the batch
                        model.remove(k - 1);
                    }
                    if (i % 10 == 7) {
                        batch.delete(key(k));
                        batch.put(key(k), value(k, 3, 40)); // deleted, then put again
                        model.put(k, value(k, 3, 40));
                    }
                }
                s.write(batch);
            }
            for (int k = 0; k < 900; k += 7) {
                s.put(key(k), value(k, 4, 300));
                model.put(k, value(k, 4, 300));
            }
            for (int i = 0; i < 400; i++) { // seals the batches' files
                s.put(key(5000 + i), value(5000 + i, 1, 300));
                model.put(5000 + i, value(5000 + i, 1, 300));
            }
            s.mergeNow();
            assertThat(s.generation).isPositive();
            for (int k : new ArrayList<>(model.keySet())) {
                assertThat(s.get(key(k))).as("key %d", k).isEqualTo(model.get(k));
            }
            for (int k = 0; k < 900; k++) {
                if (!model.containsKey(k)) {
                    assertThat(s.get(key(k))).as("deleted key %d", k).isNull();
                }
            }
            s.verify();
        }
        try (BitcaskStore s = Stores.open(disk)) {
            for (Map.Entry<Integer, byte[]> e : model.entrySet()) {
                assertThat(s.get(key(e.getKey()))).isEqualTo(e.getValue());
            }
        }
    }

    @Test
    void mergeStartsByItselfWhenTheDeadRatioPassesTheThreshold() {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> model = new TreeMap<>();
        try (BitcaskStore s = Stores.open(disk, "0.5")) {
            overwrite(s, model, 0, 12);
            assertThat(s.generation).isPositive();
            assertContent(s, model);
        }
    }

    /**
     * The resurrection case: a key is put, merged into a merge generation, deleted (its tombstone in a log segment
     * that is then sealed), and the next merge drops both the value and the tombstone. The power fails after every
     * possible number of disk calls inside that merge; after recovery, after a further merge and after another
     * reopen, the key is still absent and every other key has its value.
     */
    @Test
    void deletedKeyNeverComesBackAfterAMergeOrACrashAnywhereInIt() throws Exception {
        byte[] doomed = "doomed".getBytes();
        SimulatedDisk base = new SimulatedDisk();
        Map<Integer, byte[]> model = new TreeMap<>();
        try (BitcaskStore s = Stores.open(base)) {
            s.put(doomed, value(99, 0, VALUE_BYTES));
            overwrite(s, model, 0, 3);
            s.mergeNow(); // the doomed key's value now lives in merge generation 1
            assertThat(s.get(doomed)).isNotNull();
            s.delete(doomed);
            overwrite(s, model, 3, 3); // the tombstone's segment is sealed
            assertThat(s.get(doomed)).isNull();
        }
        int completed = 0;
        long crashes = 0;
        for (long k = 0; completed == 0; k++) {
            SimulatedDisk disk = base.crash(0); // a copy: everything was forced by close
            BitcaskStore s = Stores.open(disk);
            disk.powerLossAfter(k);
            try {
                s.mergeNow();
                completed++;
            } catch (Exception powerLoss) {
                assertThat(disk.poweredOff()).as("merge failed without a power loss: %s", powerLoss).isTrue();
                crashes++;
            }
            closeQuietly(s);
            for (long seed = 0; seed < 3; seed++) {
                SimulatedDisk crashed = disk.crash(seed * 31 + k);
                try (BitcaskStore r = Stores.open(crashed)) {
                    assertThat(r.get(doomed)).as("after a crash at call %d (seed %d)", k, seed).isNull();
                    assertContent(r, model);
                    r.mergeNow();
                    assertThat(r.get(doomed)).isNull();
                }
                try (BitcaskStore r = Stores.open(crashed)) {
                    assertThat(r.get(doomed)).isNull();
                    assertContent(r, model);
                    assertThat(containsAnywhere(crashed, value(99, 0, VALUE_BYTES))).isFalse();
                }
            }
        }
        assertThat(crashes).as("crash points inside the merge").isGreaterThan(10);
    }

    /**
     * A scan left open by the thread that runs a merge (structural work on the writing thread) neither deadlocks the
     * merge nor loses its files: the deletion of the replaced files waits for the next merge after the scan closed.
     */
    @Test
    void anOpenScanKeepsItsFilesAndDoesNotBlockAMergeOnItsOwnThread() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> model = new TreeMap<>();
        try (BitcaskStore s = Stores.open(disk)) {
            overwrite(s, model, 0, 4);
            Map<Integer, byte[]> atScan = new TreeMap<>(model);
            int segmentsBefore = s.wal.segmentStarts().length;
            try (KeyValueIterator it = s.scan(null, null)) {
                overwrite(s, model, 4, 1);
                assertTimeoutPreemptively(Duration.ofSeconds(60), s::mergeNow);
                assertThat(s.generation).isEqualTo(1);
                assertThat(s.wal.segmentStarts()).hasSizeGreaterThanOrEqualTo(segmentsBefore); // not deleted yet
                int n = 0;
                while (it.hasNext()) {
                    KeyValue kv = it.next();
                    int i = Integer.parseInt(new String(kv.key()).substring(4));
                    assertThat(kv.value()).isEqualTo(atScan.get(i));
                    n++;
                }
                assertThat(n).isEqualTo(atScan.size());
            }
            overwrite(s, model, 5, 4);
            s.mergeNow();
            assertThat(s.wal.segmentStarts()).hasSize(1);
            assertThat(disk.exists(DIR.resolve(BitcaskFormat.mergeDataName(1)))).isFalse();
            assertContent(s, model);
        }
        try (BitcaskStore s = Stores.open(disk)) {
            assertContent(s, model);
        }
    }

    /** A key deleted while its value and tombstone sit in sealed log segments is gone once a merge ran. */
    @Test
    void mergeDropsTheTombstoneAndTheValueItDeleted() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        byte[] doomed = "doomed".getBytes();
        byte[] doomedValue = value(77, 0, VALUE_BYTES);
        Map<Integer, byte[]> model = new TreeMap<>();
        try (BitcaskStore s = Stores.open(disk)) {
            s.put(doomed, doomedValue);
            overwrite(s, model, 0, 3);
            s.delete(doomed);
            overwrite(s, model, 3, 3);
            s.mergeNow();
            assertThat(s.get(doomed)).isNull();
        }
        assertThat(containsAnywhere(disk, doomedValue)).isFalse();
        try (BitcaskStore s = Stores.open(disk)) {
            assertThat(s.get(doomed)).isNull();
            assertContent(s, model);
        }
    }

    /**
     * Whether any record a reader could reach holds {@code pattern}: every frame of the store's own framed files
     * (merged data, hints, manifest) and every record of the data log. Bytes outside records (the stale tail of a
     * recycled log segment, a file waiting to be recycled) are not data and are not searched.
     */
    private static boolean containsAnywhere(SimulatedDisk disk, byte[] pattern) throws Exception {
        boolean[] found = {false};
        for (String name : disk.list(DIR)) {
            Path f = DIR.resolve(name);
            if (!disk.isDirectory(f) && !name.equals("LOCK") && !name.endsWith(".lock")) {
                try {
                    io.durakv.wal.FramedFile.scan(disk, f, (seq, offset, payload) -> {
                        found[0] |= Stores.indexOf(payload, pattern) >= 0;
                    });
                } catch (io.durakv.api.CorruptionException notFramed) {
                    // the lock file, or another file that holds no records
                }
            }
        }
        io.durakv.wal.WalOptions options = io.durakv.wal.WalOptions.builder().disk(disk)
                .segmentBytes(io.durakv.wal.WalOptions.MIN_SEGMENT_BYTES).build();
        try (io.durakv.wal.WriteAheadLog log = io.durakv.wal.WriteAheadLog.open(DIR.resolve("data"), options)) {
            log.replay(0, (lsn, record) -> found[0] |= Stores.indexOf(record, pattern) >= 0);
        }
        return found[0];
    }

    private static void closeQuietly(BitcaskStore s) {
        try {
            s.close();
        } catch (RuntimeException expected) {
            // the store failed with the power loss
        }
    }
}
