package io.durakv.bitcask;

import io.durakv.api.KeyValueStore;
import io.durakv.api.KeyValueStores;
import io.durakv.api.StoreOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine is found by name through {@link KeyValueStores}, and its properties are checked by name. */
class BitcaskEngineTest {

    @TempDir
    Path dir;

    @Test
    void engineIsFoundByNameOnTheClassPath() {
        assertThat(KeyValueStores.engines()).contains("bitcask");
        try (KeyValueStore store = KeyValueStores.open("bitcask", dir)) {
            store.put(new byte[]{1}, new byte[]{2});
            assertThat(store).isInstanceOf(BitcaskStore.class);
        }
        try (KeyValueStore store = KeyValueStores.open("bitcask", dir)) {
            assertThat(store.get(new byte[]{1})).containsExactly(2);
        }
    }

    @Test
    void walSegmentBytesIsNotABitcaskProperty() {
        assertThatThrownBy(() -> KeyValueStores.open("bitcask", dir, StoreOptions.builder()
                .property("wal.segmentBytes", "65536").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wal.segmentBytes");
    }

    @Test
    void documentedPropertiesAreAccepted() {
        try (KeyValueStore store = KeyValueStores.open("bitcask", dir, StoreOptions.builder()
                .property("bitcask.fileBytes", "65536").property("bitcask.mergeDeadRatio", "0.25")
                .property("bitcask.backgroundMerge", "0").property("bitcask.cacheBytes", "1048576")
                .property("wal.mappedWrites", "false").property("wal.mappedReads", "false").build())) {
            BitcaskConfig config = ((BitcaskStore) store).config;
            assertThat(config).isEqualTo(new BitcaskConfig(65536, 0.25, false, 1 << 20, false, false));
        }
    }
}
