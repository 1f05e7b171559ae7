package io.durakv.btree;

import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Review attack on {@code btree.readMappingBytes} edge values, on the local disk (mapped on Java 22+): values below a
 * page, not a multiple of the page size, one page, the maximum, a store reopened with another value and a page size
 * other than the one configured (the store keeps its own: chunks must be whole pages of the store's size), and
 * values out of range, which must be rejected before anything is written.
 */
class ReadMappingBytesReviewTest {

    @TempDir
    Path dir;

    private BTreeStore open(String pageBytes, String readMappingBytes) {
        return BTreeStore.open(dir, StoreOptions.builder().syncMode(SyncMode.NONE)
                .property("btree.pageBytes", pageBytes).property("btree.cacheBytes", "65536")
                .property("btree.checkpointBytes", "8192")
                .property("btree.readMappingBytes", readMappingBytes).build());
    }

    private static byte[] key(int i) {
        return ("key-" + i).getBytes();
    }

    private static byte[] value(int i, int round) {
        byte[] v = new byte[i % 9 == 0 ? 5000 : 30 + i % 70];
        new Random(i * 131L + round).nextBytes(v);
        return v;
    }

    private static void fillAndCheck(BTreeStore s, int round) {
        for (int i = 0; i < 2000; i++) {
            s.put(key(i), value(i, round));
        }
        s.checkpointNow();
        for (int i = 0; i < 2000; i++) {
            assertThat(s.get(key(i))).as("key %d", i).isEqualTo(value(i, round));
        }
        s.verify();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "1023", "1024", "1025", "3073", "1073741824"})
    void everyValueInRangeReadsRightValuesAcrossReopensWithOtherValues(String bytes) {
        try (BTreeStore s = open("1024", bytes)) {
            fillAndCheck(s, 0);
        }
        try (BTreeStore s = open("1024", "2048")) {
            for (int i = 0; i < 2000; i++) {
                assertThat(s.get(key(i))).as("key %d after reopen", i).isEqualTo(value(i, 0));
            }
        }
        try (BTreeStore s = open("1024", bytes)) {
            for (int i = 0; i < 2000; i++) {
                assertThat(s.get(key(i))).as("key %d after second reopen", i).isEqualTo(value(i, 0));
            }
            fillAndCheck(s, 1);
        }
    }

    @Test
    void chunksAreWholePagesOfTheStoresOwnPageSizeNotTheConfiguredOne() {
        try (BTreeStore s = open("4096", "0")) {
            fillAndCheck(s, 0);
        }
        // 6144 is six 1 KiB pages, but one and a half of the store's 4 KiB pages.
        try (BTreeStore s = open("1024", "6144")) {
            for (int i = 0; i < 2000; i++) {
                assertThat(s.get(key(i))).as("key %d", i).isEqualTo(value(i, 0));
            }
            fillAndCheck(s, 1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "1073741825", "2147483648", "lots"})
    void outOfRangeValuesAreRejectedBeforeAnythingIsWritten(String bytes) throws IOException {
        Path store = dir.resolve("s");
        assertThatThrownBy(() -> BTreeStore.open(store, StoreOptions.builder()
                .property("btree.readMappingBytes", bytes).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("btree.readMappingBytes");
        if (Files.exists(store)) {
            try (Stream<Path> files = Files.list(store)) {
                assertThat(files).isEmpty();
            }
        }
    }
}
