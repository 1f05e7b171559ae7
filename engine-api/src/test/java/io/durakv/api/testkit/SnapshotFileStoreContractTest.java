package io.durakv.api.testkit;

/** Runs the contract on the reference {@link SnapshotFileStore}, which also tests the contract test itself. */
class SnapshotFileStoreContractTest extends KeyValueStoreContractTest {

    @Override
    protected StoreFactory factory() {
        return SnapshotFileStore::open;
    }

    @Override
    protected int maxKeyBytes() {
        return SnapshotFileStore.MAX_KEY_BYTES;
    }

    @Override
    protected int maxValueBytes() {
        return SnapshotFileStore.MAX_VALUE_BYTES;
    }

    /** Fewer than the default: every write of this store rewrites the whole map. */
    @Override
    protected int bulkKeys() {
        return 2000;
    }
}
