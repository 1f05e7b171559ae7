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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A checkpoint whose page or header write fails (no space) is undone and retried (issue 8): the store goes on, the
 * in-memory free space matches the durable header again (verify), the log keeps every record the undone checkpoint
 * would have made durable, and a crash at any moment — right after the failure, or after the retry — recovers every
 * acknowledged write.
 */
class CheckpointRetryTest {

    private final Random rnd = new Random(11);
    private final TreeMap<String, byte[]> model = new TreeMap<>();

    private static String key(int i) {
        return String.format("key-%05d", i);
    }

    /** The keys {@link #work} writes: {@code key(0)} to {@code key(keySpace - 1)}. */
    private int keySpace = 120;

    /** Puts, overwrites (small and large values, so overflow chains are written and dropped) and deletes. */
    private void work(BTreeStore s, int ops) {
        for (int i = 0; i < ops; i++) {
            String k = key(rnd.nextInt(keySpace));
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

    private void checkContent(BTreeStore s, String where) {
        Stores.checkContent(s, model, where);
    }

    private void checkCrashImages(SimulatedDisk disk, String where) {
        for (long seed = 0; seed < 2; seed++) {
            try (BTreeStore r = Stores.open(disk.crash(seed), DIR, "btree.pageBytes", "1024")) {
                r.verify();
                checkContent(r, where + ", crash seed " + seed);
            }
        }
    }

    @Test
    void aCheckpointFailingAtItsNthPageOrHeaderWriteIsUndoneAndRetried() {
        // Enough keys that a checkpoint writes pages in several segments of free space (FreeSpace.allocate), hence
        // several runs, each its own write call.
        keySpace = 1000;
        int undone = 0;
        for (int n = 1; ; n++) {
            model.clear();
            SimulatedDisk disk = new SimulatedDisk();
            String where = "write " + n + " of the checkpoint";
            try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024", "btree.checkpointBytes", "1000000")) {
                work(s, 300);
                // Checkpoints free pages of earlier ones all over the file: the checkpoint under test reuses them, so
                // its pages form many runs of consecutive ids, written one call each (PageFile.RunWriter).
                for (int c = 0; c < 4; c++) {
                    s.checkpointNow();
                    work(s, 150);
                }
                disk.inject(FaultRule.nthCall(DiskOp.WRITE, "btree\\.db$", n));
                try {
                    s.checkpointNow();
                    s.verify();
                    checkContent(s, where + " (no failure: past the last write)");
                    break;
                } catch (StoreException e) {
                    undone++;
                }
                disk.clearFaults();
                s.verify();
                checkContent(s, where + ", undone");
                checkCrashImages(disk, where + ", undone");
                work(s, 100);
                s.checkpointNow();
                s.verify();
                checkContent(s, where + ", retried");
                checkCrashImages(disk, where + ", retried");
            }
            checkCrashImages(disk, where + ", closed");
        }
        assertThat(undone).as("checkpoints undone at each of their writes").isGreaterThan(5);
    }

    @Test
    void whileEveryPageWriteFailsWritesGoOnAndTheLogKeepsThem() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024", "btree.checkpointBytes", "2048")) {
            work(s, 200);
            s.checkpointNow();
            long generation = Stores.header(disk, DIR).generation();
            disk.inject(FaultRule.fromNthCall(DiskOp.WRITE, "btree\\.db$", 1));
            work(s, 400); // checkpoints are due all along; each attempt is undone, the writes go on
            assertThatThrownBy(s::checkpointNow).isInstanceOf(StoreException.class);
            assertThat(Stores.header(disk, DIR).generation()).as("no checkpoint completed").isEqualTo(generation);
            s.verify();
            checkContent(s, "while the data file is full");
            checkCrashImages(disk, "while the data file is full"); // the log was not truncated
            disk.clearFaults();
            s.checkpointNow();
            assertThat(Stores.header(disk, DIR).generation()).isGreaterThan(generation);
            work(s, 200);
            s.verify();
            checkContent(s, "after space came back");
            checkCrashImages(disk, "after space came back");
        }
        checkCrashImages(disk, "closed");
    }

    @Test
    void closeWithTheDataFileFullClosesNormallyAndTheNextOpenReplaysTheLog() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024", "btree.checkpointBytes", "1000000");
        work(s, 300);
        long generation = Stores.header(disk, DIR).generation();
        disk.inject(FaultRule.fromNthCall(DiskOp.WRITE, "btree\\.db$", 1));
        s.close(); // its checkpoint is undone; every write is in the forced log
        assertThat(Stores.header(disk, DIR).generation()).as("the checkpoint at close was undone")
                .isEqualTo(generation);
        checkCrashImages(disk, "closed on a full data file");
        disk.clearFaults();
        try (BTreeStore again = Stores.open(disk, DIR)) {
            again.verify();
            checkContent(again, "reopened");
            work(again, 50);
        }
        checkCrashImages(disk, "reopened and closed");
    }
}
