package io.durakv.lsm;

import io.durakv.api.StoreException;
import io.durakv.api.StoreOptions;
import io.durakv.api.io.DiskOp;
import io.durakv.api.io.FaultRule;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static io.durakv.lsm.Stores.key;
import static io.durakv.lsm.Stores.value;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Trivial moves (lsm.md, "Compaction", step 1): disjoint L0 files that nothing in L1 overlaps move to L1 together in
 * one manifest edit, as a sequential load makes them, instead of being rewritten. The move is a protocol step of its
 * own, so a power loss after every disk call of a sequential load (flushes, multi-file moves, deeper moves, manifest
 * rewrites) loses nothing acknowledged, and a move whose manifest append fails on a full disk is retried.
 */
class TrivialMoveTest {

    private static final int KEYS = 150;
    private static final String[] SMALL = {"lsm.memtableBytes", "1024", "lsm.level0Trigger", "3",
            "lsm.levelBaseBytes", "4096", "lsm.targetFileBytes", "1024", "lsm.manifestRewriteBytes", "1024",
            "wal.segmentBytes", "65536"};

    private static FileMeta file(long n, String lo, String hi) {
        return new FileMeta(n, 100, lo.getBytes(StandardCharsets.US_ASCII), hi.getBytes(StandardCharsets.US_ASCII),
                n, n, 1);
    }

    @Test
    void disjointLevel0FilesWithNothingBelowMoveTogetherAndOverlappingOnesAreMerged() {
        LsmConfig config = LsmConfig.from(StoreOptions.builder().property("lsm.level0Trigger", "2").build());
        byte[][] pointers = new byte[LsmFormat.LEVELS][];
        Version disjoint = Version.empty().apply(new VersionEdit().add(0, file(5, "d", "f")).add(0, file(6, "a", "c"))
                .add(1, file(1, "m", "p")));
        Compaction c = Compaction.pick(disjoint, config, pointers);
        assertThat(c.level()).isZero();
        assertThat(c.nextInputs()).isEmpty();
        assertThat(c.isTrivialMove()).isTrue();

        Version touching = Version.empty().apply(new VersionEdit().add(0, file(5, "a", "d")).add(0, file(6, "d", "f")));
        assertThat(Compaction.pick(touching, config, pointers).isTrivialMove()).as("shared boundary key").isFalse();

        Version overlapBelow = Version.empty().apply(new VersionEdit().add(0, file(5, "d", "f"))
                .add(0, file(6, "a", "c")).add(1, file(1, "e", "h")));
        Compaction below = Compaction.pick(overlapBelow, config, pointers);
        assertThat(below.nextInputs()).extracting(f -> f.number).containsExactly(1L);
        assertThat(below.isTrivialMove()).isFalse();
    }

    @Test
    void aSequentialLoadMovesLevel0FilesDownWithoutRewritingThem() {
        SimulatedDisk disk = new SimulatedDisk();
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            for (int i = 0; i < KEYS; i++) {
                s.put(key(i), value(i, 0));
            }
            Stats st = s.stats();
            assertThat(st.trivialMoves.get()).as("moves in " + st).isPositive();
            assertThat(st.filesMoved.get()).as("several L0 files per move in " + st)
                    .isGreaterThan(st.trivialMoves.get());
            assertThat(st.compactions.get()).as("rewriting compactions in " + st).isZero();
            assertThat(st.filesDeleted.get()).as("a moved file is never deleted, in " + st).isZero();
            Version v = s.versions.current();
            assertThat(v.files(1).size() + v.files(2).size()).as("files below L0 in " + v).isGreaterThan(3);
            s.verify();
            for (int i = 0; i < KEYS; i++) {
                assertThat(s.get(key(i))).isEqualTo(value(i, 0));
            }
        }
        try (LsmStore s = Stores.open(disk.crash(0), false, SMALL)) {
            s.verify();
            for (int i = 0; i < KEYS; i++) {
                assertThat(s.get(key(i))).isEqualTo(value(i, 0));
            }
        }
    }

    @Test
    void aPowerLossAfterAnyCallOfASequentialLoadWithMovesLosesNothingAcknowledged() {
        SimulatedDisk probe = new SimulatedDisk();
        assertThat(Stores.putAndClose(probe, KEYS, 0, SMALL)).isEqualTo(KEYS);
        long calls = probe.mutatingCalls();
        for (long k = 0; k <= calls; k++) {
            SimulatedDisk disk = new SimulatedDisk();
            disk.powerLossAfter(k);
            int acked = Stores.putAndClose(disk, KEYS, 0, SMALL);
            for (long seed = 0; seed < 2; seed++) {
                String where = "power loss after " + k + " of " + calls + " calls, image " + seed + ", " + acked
                        + " puts acknowledged";
                try (LsmStore s = Stores.open(disk.crash(seed), false, SMALL)) {
                    s.verify();
                    for (int i = 0; i < acked; i++) {
                        assertThat(s.get(key(i))).as(where + ": key " + i).isEqualTo(value(i, 0));
                    }
                } catch (StoreException e) {
                    throw new AssertionError(where + ": recovery failed: " + e, e);
                }
            }
        }
    }

    /**
     * The n-th manifest write and every later one fail (a full disk) during a sequential load: flushes and moves back
     * off, writes that find the memtables full fail without being logged; once space is back the load goes on with
     * moves, and every acknowledged write is there (and no failed one), before and after a crash.
     */
    @ParameterizedTest(name = "manifest write {0} and after fail")
    @ValueSource(ints = {3, 4, 5, 6, 7, 8})
    void aMoveWhoseManifestAppendFailsOnAFullDiskIsRetried(int n) {
        SimulatedDisk disk = new SimulatedDisk();
        boolean[] acked = new boolean[2 * KEYS];
        try (LsmStore s = Stores.open(disk, false, SMALL)) {
            disk.inject(FaultRule.fromNthCall(DiskOp.WRITE, ".*manifest-.*", n));
            int failed = 0;
            for (int i = 0; i < KEYS; i++) {
                try {
                    s.put(key(i), value(i, 0));
                    acked[i] = true;
                } catch (StoreException e) {
                    assertThat(e).hasMessageContaining("write not logged");
                    failed++;
                }
            }
            assertThat(failed).as("writes that found the memtables full").isPositive();
            disk.clearFaults();
            long moved = s.stats().filesMoved.get();
            long moves = s.stats().trivialMoves.get();
            for (int i = KEYS; i < 2 * KEYS; i++) {
                s.put(key(i), value(i, 0));
                acked[i] = true;
            }
            assertThat(s.stats().filesMoved.get() - moved).as("files moved once space is back, " + s.stats())
                    .isGreaterThan(s.stats().trivialMoves.get() - moves);
            s.verify();
            checkAcked(s, acked, "open");
        }
        for (long seed = 0; seed < 2; seed++) {
            try (LsmStore s = Stores.open(disk.crash(seed), false, SMALL)) {
                s.verify();
                checkAcked(s, acked, "after a crash, image " + seed);
            }
        }
    }

    private static void checkAcked(LsmStore s, boolean[] acked, String where) {
        for (int i = 0; i < acked.length; i++) {
            assertThat(s.get(key(i))).as(where + ": key " + i).isEqualTo(acked[i] ? value(i, 0) : null);
        }
    }
}
