package io.durakv.api.testkit;

import io.durakv.api.SyncMode;

import java.util.EnumSet;
import java.util.Set;

/** The crash suite on the correct reference store: it must pass, or the suite itself is wrong. */
class SnapshotFileStoreCrashTest extends CrashSuite {

    @Override
    protected StoreFactory factory() {
        return SnapshotFileStore.factory(SnapshotFileStore.Bug.NONE);
    }

    @Override
    protected Set<SyncMode> modes() {
        return EnumSet.of(SyncMode.SYNC); // the reference store supports SYNC only
    }

    @Override
    protected int randomRuns() {
        return Math.min(super.randomRuns(), 60); // it rewrites its whole map per write; enough to exercise the kit
    }
}
