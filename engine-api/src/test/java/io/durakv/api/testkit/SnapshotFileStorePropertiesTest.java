package io.durakv.api.testkit;

/** Runs the stateful properties on the reference {@link SnapshotFileStore}. */
class SnapshotFileStorePropertiesTest extends KeyValueStoreProperties {

    @Override
    protected StoreFactory factory() {
        return SnapshotFileStore::open;
    }
}
