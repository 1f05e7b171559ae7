package io.durakv.api.testkit;

import io.durakv.api.SyncMode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The crash suite must be able to fail: stores with the classic durability bugs of the ALICE study must be caught by
 * it, and the same harness must pass the correct store. A suite that passes everything proves nothing.
 */
class CrashSuiteCatchesBrokenStoresTest {

    private static CrashHarness harness(SnapshotFileStore.Bug bug) {
        return new CrashHarness(SnapshotFileStore.factory(bug), Map.of(), new CrashWorkload(8, 64), s -> { },
                Duration.ofMillis(20));
    }

    /** Runs every crash point of a few workloads; returns the first failure, or null when all passed. */
    private static AssertionError firstFailure(SnapshotFileStore.Bug bug) {
        CrashHarness h = harness(bug);
        for (long seed = 1; seed <= 3; seed++) {
            long points = h.countCrashPoints(SyncMode.SYNC, seed, 12);
            for (long k = 0; k <= points; k++) {
                try {
                    h.runCrashPoint(SyncMode.SYNC, seed, 12, k);
                } catch (AssertionError e) {
                    return e;
                }
            }
        }
        return null;
    }

    @Test
    void correctStorePassesEveryCrashPoint() {
        assertThat(firstFailure(SnapshotFileStore.Bug.NONE)).isNull();
    }

    @Test
    void renamingAFileBeforeForcingItsDataIsCaught() {
        AssertionError e = firstFailure(SnapshotFileStore.Bug.SKIP_FILE_FORCE);
        assertThat(e).as("a store that renames before forcing must fail the crash suite").isNotNull();
        // The torn or empty file behind the durable name is damage to a "durable" file, or a lost write.
        assertThat(e).hasMessageMatching("(?s).*(recovery failed|acknowledged write lost|no prefix).*");
    }

    @Test
    void skippingTheDirectoryForceAfterARenameIsCaught() {
        AssertionError e = firstFailure(SnapshotFileStore.Bug.SKIP_DIRECTORY_FORCE);
        assertThat(e).as("a store that never forces its directory must fail the crash suite").isNotNull();
        assertThat(e).hasMessageContaining("acknowledged write lost");
    }

    @Test
    void randomRunsCatchAMissingDirectoryForceToo() {
        CrashHarness h = harness(SnapshotFileStore.Bug.SKIP_DIRECTORY_FORCE);
        assertThatThrownBy(() -> {
            for (long seed = 0; seed < 50; seed++) {
                h.runRandom(SyncMode.SYNC, seed, 1, 30, 2);
            }
        }).isInstanceOf(AssertionError.class).hasMessageContaining("acknowledged write lost");
    }
}
