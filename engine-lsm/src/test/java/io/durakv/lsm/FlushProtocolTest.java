package io.durakv.lsm;

import io.durakv.api.StoreException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.Disk;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The regression test for the reviewed engine's data loss: its SSTable writer closed without forcing and its flush
 * truncated the WAL before the SSTable was durable. Here a power loss right after every disk call from the start of
 * the first flush to the end of its WAL truncation, with several random crash images each, loses no acknowledged
 * (SYNC) write; and after the truncation, the writes the log no longer holds are all found in the SSTable.
 *
 * <p>The workload writes 3 KiB values with a 96 KiB memtable and 64 KiB log segments, so the first flush covers a
 * whole sealed segment and its truncation deletes it. Flushes run inline, so every run makes the same calls.
 */
class FlushProtocolTest {

    private static final Path DIR = Path.of("/db");
    private static final int WRITES = 40;

    private static LsmStore open(Disk disk) {
        return LsmStore.open(DIR, StoreOptions.builder().syncMode(SyncMode.SYNC).disk(disk)
                .property("lsm.memtableBytes", String.valueOf(96 << 10)).property("lsm.level0Trigger", "100")
                .property("wal.segmentBytes", "65536").build(), false);
    }

    private static byte[] key(int i) {
        return String.format("key%04d", i).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] value(int i) {
        byte[] v = new byte[3000];
        Arrays.fill(v, (byte) ('a' + i % 26));
        System.arraycopy(key(i), 0, v, 0, key(i).length);
        return v;
    }

    /** Runs the workload until the end or the power fails. @return how many puts were acknowledged */
    private static int run(SimulatedDisk sim, Disk disk) {
        int acked = 0;
        LsmStore store;
        try {
            store = open(disk);
        } catch (StoreException e) {
            assertThat(sim.poweredOff()).as("open failed with the power on: " + e).isTrue();
            return 0;
        }
        try {
            for (int i = 0; i < WRITES; i++) {
                store.put(key(i), value(i));
                acked++;
            }
        } catch (StoreException e) {
            assertThat(sim.poweredOff()).as("a put failed with the power on: " + e).isTrue();
        } finally {
            try {
                store.close();
            } catch (StoreException e) {
                assertThat(sim.poweredOff()).as("close failed with the power on: " + e).isTrue();
            }
        }
        return acked;
    }

    /** The steps of the first flush in one run without power loss. */
    private record FlushSteps(List<StepDisk.Step> steps, int sstCreate, int sstForce, int dirForce,
                              int manifestForce, int walDelete, int walDirForce) {
    }

    private static FlushSteps firstFlush() {
        SimulatedDisk sim = new SimulatedDisk();
        StepDisk disk = new StepDisk(sim);
        assertThat(run(sim, disk)).isEqualTo(WRITES);
        int create = disk.find(0, "create", p -> p.toString().endsWith(".sst"));
        Path sst = disk.steps().get(create).path();
        int manifest = disk.find(create, "force",
                p -> p.getParent().getFileName().toString().startsWith("manifest-"));
        // The table's force and the directory force, if the code under test made them before the manifest edit.
        int force = disk.findBefore(create, manifest, "force", sst::equals);
        int dir = disk.findBefore(Math.max(force, create), manifest, "forceDirectory", DIR::equals);
        // Truncation removes the log segment: a deletion, or a rename out of the log for reuse (recycling).
        int walDelete = -1;
        for (int i = create; i < disk.steps().size() && walDelete < 0; i++) {
            var step = disk.steps().get(i);
            if ((step.op().equals("delete") || step.op().equals("rename"))
                    && step.path().getParent().equals(DIR.resolve("wal"))) {
                walDelete = i;
            }
        }
        assertThat(walDelete).as("the log segment's removal in %s", disk.steps()).isNotNegative();
        int walDir = disk.find(walDelete, "forceDirectory", DIR.resolve("wal")::equals);
        return new FlushSteps(disk.steps(), create, force, dir, manifest, walDelete, walDir);
    }

    @Test
    void flushForcesTheSstableAndItsDirectoryAndTheManifestBeforeTruncatingTheLog() {
        FlushSteps f = firstFlush();
        assertThat(f.sstForce).as("the SSTable's force before the manifest edit, in " + f.steps).isNotNegative();
        assertThat(f.dirForce).as("the directory force after the SSTable's, before the manifest edit, in "
                + f.steps).isNotNegative();
        assertThat(f.sstCreate).isLessThan(f.sstForce);
        assertThat(f.sstForce).isLessThan(f.dirForce);
        assertThat(f.dirForce).isLessThan(f.manifestForce);
        assertThat(f.manifestForce).isLessThan(f.walDelete);
    }

    @Test
    void crashAnywhereBetweenSstableWrittenAndManifestForcedLosesNothing() {
        FlushSteps f = firstFlush();
        long from = f.steps.get(f.sstCreate).callsAfter() - 1;
        long to = f.steps.get(f.manifestForce).callsAfter() + 1;
        for (long k = from; k <= to; k++) {
            for (long seed = 0; seed < 4; seed++) {
                crashAndCheck(k, seed, false);
            }
        }
    }

    @Test
    void crashAfterWalTruncationFindsEveryFlushedKeyInTheSstable() {
        FlushSteps f = firstFlush();
        long from = f.steps.get(f.walDelete).callsAfter() - 1;
        long to = f.steps.get(f.walDirForce).callsAfter() + 2;
        for (long k = from; k <= to; k++) {
            for (long seed = 0; seed < 8; seed++) {
                crashAndCheck(k, seed, k >= f.steps.get(f.walDirForce).callsAfter());
            }
        }
    }

    /**
     * Power fails after {@code k} mutating calls; recovers from crash image {@code seed}; every acknowledged put must
     * be there with its value. With {@code truncated}, the log must have lost its first segment, and the keys it held
     * must come from the SSTable.
     */
    private static void crashAndCheck(long k, long seed, boolean truncated) {
        SimulatedDisk sim = new SimulatedDisk();
        sim.powerLossAfter(k);
        int acked = run(sim, sim);
        SimulatedDisk crashed = sim.crash(seed);
        String where = "power loss after " + k + " calls, crash image " + seed + ", " + acked + " puts acknowledged";
        try (LsmStore store = open(crashed)) {
            store.verify();
            for (int i = 0; i < acked; i++) {
                assertThat(store.get(key(i))).as(where + ": key " + i).isEqualTo(value(i));
            }
            if (truncated) {
                long first = store.wal.firstLsn();
                assertThat(first).as(where + ": first LSN the log still holds").isGreaterThan(1);
                assertThat(store.versions.current().files(0)).as(where + ": L0 tables").isNotEmpty();
                assertThat(store.versions.coveredLsn()).as(where + ": covered LSN").isGreaterThanOrEqualTo(first - 1);
                for (int i = 0; i < first - 1; i++) {
                    // LSN i + 1 is no longer in the log: the value can only come from the SSTable.
                    assertThat(store.get(key(i))).as(where + ": key " + i + " (not in the log)").isEqualTo(value(i));
                }
            }
        } catch (StoreException e) {
            throw new AssertionError(where + ": recovery failed: " + e, e);
        }
    }
}
