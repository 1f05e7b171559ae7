package io.durakv.api;

import io.durakv.api.testkit.SnapshotFileStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Engine discovery through {@link java.util.ServiceLoader}, with the test engine "snapshot" from the test resources. */
class KeyValueStoresTest {

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void enginesListsTheEnginesOnTheClassPath() {
        assertThat(new java.util.ArrayList<>(KeyValueStores.engines())).contains("snapshot").isSorted();
        assertThatThrownBy(() -> KeyValueStores.engines().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void openByNameOpensThatEngineInTheDirectory() {
        try (KeyValueStore store = KeyValueStores.open("snapshot", dir)) {
            assertThat(store).isInstanceOf(SnapshotFileStore.class);
            store.put(bytes("k"), bytes("v"));
        }
        assertThat(dir.resolve("SNAPSHOT")).exists();
        try (KeyValueStore store = KeyValueStores.open("snapshot", dir, StoreOptions.defaults())) {
            assertThat(store.get(bytes("k"))).isEqualTo(bytes("v"));
        }
    }

    @Test
    void openPassesTheOptionsToTheEngine() {
        StoreOptions options = StoreOptions.builder().property("no.such.property", "1").build();
        assertThatThrownBy(() -> KeyValueStores.open("snapshot", dir, options))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no.such.property");
    }

    @Test
    void unknownEngineNameIsRejectedListingTheKnownEngines() {
        assertThatThrownBy(() -> KeyValueStores.open("nosuchengine", dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nosuchengine")
                .hasMessageContaining(KeyValueStores.engines().toString())
                .hasMessageContaining("snapshot");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void nullArgumentsAreRejected() {
        assertThatThrownBy(() -> KeyValueStores.open(null, dir)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> KeyValueStores.open("snapshot", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> KeyValueStores.open("snapshot", dir, null)).isInstanceOf(NullPointerException.class);
    }
}
