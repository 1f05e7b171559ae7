package io.durakv.bitcask;

import io.durakv.api.StoreException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static io.durakv.bitcask.Stores.DIR;
import static io.durakv.bitcask.Stores.key;
import static io.durakv.bitcask.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A full disk with merges and hint files on the background thread (the fault suite runs them inline): writes on the
 * full disk fail alone, the background work backs off and retries, and once space is back the store takes writes,
 * finishes its merges and hint files, and reopens with every acknowledged write.
 */
class NoSpaceTest {

    private static StoreOptions options(SimulatedDisk disk) {
        return StoreOptions.builder().syncMode(SyncMode.SYNC).disk(disk).property("bitcask.fileBytes", "65536")
                .property("bitcask.mergeDeadRatio", "0.1").property("bitcask.backgroundMerge", "1").build();
    }

    @Test
    void backgroundMergesRetryUntilSpaceIsBackAndNothingAcknowledgedIsLost() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Integer, byte[]> acked = new HashMap<>();
        Map<Integer, byte[]> attempted = new HashMap<>();
        Random random = new Random(8);
        int failed = 0;
        try (BitcaskStore s = BitcaskStore.open(DIR, options(disk))) {
            // Round 1: the engine's own files do not fit (merges write the most), the log still does; round 2: nothing
            // fits; round 3: space is back.
            for (int round = 0; round < 4; round++) {
                if (round == 1 || round == 2) {
                    for (DiskOp op : new DiskOp[]{DiskOp.WRITE, DiskOp.CREATE, DiskOp.TRUNCATE, DiskOp.RENAME}) {
                        disk.inject(FaultRule.fromNthCall(op, round == 1 ? ".*/(merge-|hint-|MERGE).*" : ".*", 1));
                    }
                }
                if (round == 3) {
                    disk.clearFaults();
                }
                for (int n = 0; n < 300; n++) {
                    int i = random.nextInt(20);
                    byte[] v = value(i, round * 1000 + n, 3000);
                    try {
                        s.put(key(i), v);
                    } catch (StoreException e) {
                        assertThat(round).as("only writes on the full disk fail: " + e).isEqualTo(2);
                        failed++;
                        attempted.put(i, v);
                        continue;
                    }
                    acked.put(i, v);
                    attempted.remove(i);
                    if (round > 0 && n % 50 == 0) {
                        Thread.sleep(20); // lets the background thread fail and back off meanwhile
                    }
                }
                assertThat(s.stopping()).as("round %d", round).isFalse();
                if (round == 1) {
                    assertThat(s.background.retries()).as("merges and hints failed and were retried").isPositive();
                }
                if (round == 2) {
                    assertThat(failed).as("writes on the full disk fail").isPositive();
                }
            }
            for (int t = 0; t < 500 && s.background.pending(); t++) {
                Thread.sleep(10);
            }
            assertThat(s.background.pending()).as("the retried work completes once space is back").isFalse();
            assertThat(s.generation).as("merges ran").isPositive();
            s.verify();
            for (int i = 0; i < 20; i++) {
                if (!attempted.containsKey(i)) {
                    assertThat(s.get(key(i))).as("key %d", i).isEqualTo(acked.get(i));
                }
            }
        }
        for (long seed = 0; seed < 3; seed++) {
            try (BitcaskStore r = BitcaskStore.open(DIR, options(disk.crash(seed)))) {
                r.verify();
                for (int i = 0; i < 20; i++) {
                    byte[] got = r.get(key(i));
                    if (attempted.containsKey(i)) {
                        byte[] before = acked.get(i);
                        byte[] tried = attempted.get(i);
                        assertThat(got).as("seed %d key %d (write threw)", seed, i)
                                .satisfiesAnyOf(g -> assertThat(g).isEqualTo(before),
                                        g -> assertThat(g).isEqualTo(tried));
                    } else {
                        assertThat(got).as("seed %d key %d", seed, i).isEqualTo(acked.get(i));
                    }
                }
            }
        }
    }
}
