package io.durakv.api.testkit;

import io.durakv.api.SyncMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The process-kill suite must be able to fail: a store that acknowledges writes from a user-space buffer
 * ({@link UserSpaceBufferEngine}) loses them to SIGKILL and is caught, while the reference store survives the same
 * kills.
 */
class ProcessKillSuiteCatchesBrokenStoresTest {

    @TempDir
    Path tmp;

    private ProcessKillSuite suite(String engine) {
        ProcessKillSuite s = new ProcessKillSuite() {
            @Override
            protected String engine() {
                return engine;
            }
        };
        s.tmp = tmp;
        return s;
    }

    @Test
    void aStoreAcknowledgingWritesFromAUserSpaceBufferIsCaughtLosingThemToSigkill() {
        assertThatThrownBy(() -> suite(UserSpaceBufferEngine.class.getName())
                .killFreshStoreAfter(SyncMode.NONE, 1, 100))
                .isInstanceOf(AssertionError.class).hasMessageContaining("acknowledged write lost");
    }

    @Test
    void theReferenceStoreKeepsEveryAcknowledgedWriteThroughTheSameKills() throws Exception {
        // The reference store supports SYNC only.
        assertThat(suite(SnapshotFileStoreEngine.NAME).killFreshStoreAfter(SyncMode.SYNC, 1, 100))
                .isGreaterThanOrEqualTo(100);
        assertThat(suite(SnapshotFileStoreEngine.NAME).killFreshStoreAfter(SyncMode.SYNC, 2, 100))
                .isGreaterThanOrEqualTo(100);
    }
}
