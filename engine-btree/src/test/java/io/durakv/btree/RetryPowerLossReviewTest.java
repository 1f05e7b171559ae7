package io.durakv.btree;

import io.durakv.api.StoreException;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.TreeMap;

import static io.durakv.btree.Stores.DIR;
import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review attack on a rolled-back checkpoint followed by a retry that loses power: a checkpoint fails at its n-th
 * write to {@code btree.db} (no space) and is undone ({@link FreeSpace#rollback}: segment choice and growth start
 * over), writes go on, and the retry — which reuses the undone attempt's pages, takes free pages segment by segment and
 * grows the file by whole segments — loses power after its m-th mutating call, for every m up to its end. Every crash
 * image must recover to exactly the acknowledged (SYNC) content and pass {@code verify()}: had the retry written into
 * a page of the last durable header, the image recovers a damaged tree.
 */
class RetryPowerLossReviewTest {

    private static final String[] PROPERTIES = {"btree.pageBytes", "1024", "btree.checkpointBytes", "1000000",
            "btree.readMappingBytes", "1025"}; // one-page chunks (rounded down)

    private Random rnd;
    private final TreeMap<String, byte[]> model = new TreeMap<>();

    private void work(BTreeStore s, int ops) {
        for (int i = 0; i < ops; i++) {
            String k = String.format("key-%05d", rnd.nextInt(600));
            if (rnd.nextInt(6) == 0) {
                s.delete(bytes(k));
                model.remove(k);
            } else {
                byte[] v = Stores.filled(rnd.nextInt(5) == 0 ? 1500 + rnd.nextInt(3000) : 1 + rnd.nextInt(60),
                        rnd.nextInt());
                s.put(bytes(k), v);
                model.put(k, v);
            }
        }
    }

    /**
     * Runs the scenario: the checkpoint fails at write {@code failAt}; the retry loses power after {@code powerAfter}
     * mutating calls (Long.MAX_VALUE: never).
     *
     * @return whether the first checkpoint failed, and whether the power loss happened: {failed, poweredOff}
     */
    private boolean[] scenario(long failAt, long powerAfter) {
        rnd = new Random(5);
        model.clear();
        SimulatedDisk disk = new SimulatedDisk();
        boolean failed = false;
        boolean off;
        String where = "fail at write " + failAt + ", power loss after " + powerAfter;
        BTreeStore s = Stores.open(disk, DIR, PROPERTIES);
        try {
            work(s, 400);
            for (int c = 0; c < 4; c++) {
                s.checkpointNow();
                work(s, 200);
            }
            disk.inject(FaultRule.nthCall(DiskOp.WRITE, "btree\\.db$", failAt));
            try {
                s.checkpointNow();
            } catch (StoreException e) {
                failed = true;
            }
            disk.clearFaults();
            work(s, 150);
            disk.powerLossAfter(powerAfter);
            try {
                s.checkpointNow();
            } catch (StoreException e) {
                // the power loss
            }
            off = disk.poweredOff();
        } finally {
            try {
                s.close();
            } catch (RuntimeException ignored) {
                // a store that lost power may refuse to close cleanly
            }
        }
        for (long seed = 0; seed < 2; seed++) {
            try (BTreeStore r = Stores.open(disk.crash(seed), DIR, PROPERTIES)) {
                r.verify();
                Stores.checkContent(r, model, where + ", crash seed " + seed);
            }
        }
        return new boolean[]{failed, off};
    }

    @Test
    void aRetryAfterAnUndoneCheckpointThatLosesPowerAnywhereLeavesARecoverableStore() {
        int runs = 0;
        for (long failAt = 1; ; failAt += 4) {
            boolean[] first = scenario(failAt, Long.MAX_VALUE);
            if (!first[0]) {
                break; // past the checkpoint's last write
            }
            for (long m = 0; ; m += 3) {
                boolean[] r = scenario(failAt, m);
                runs++;
                if (!r[1]) {
                    break; // the retry and close finished before the power loss
                }
            }
        }
        assertThat(runs).isGreaterThan(10);
    }
}
