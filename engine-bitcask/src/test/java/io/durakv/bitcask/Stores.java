package io.durakv.bitcask;

import io.durakv.api.SyncMode;
import io.durakv.api.StoreOptions;
import io.durakv.api.io.Disk;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/** Opening test stores on a given disk with small files and merges on the writing thread. */
final class Stores {

    static final Path DIR = Path.of("/db");

    private Stores() {
    }

    /** Opens {@link #DIR} on {@code disk}: 64 KiB files, merges only when asked ({@link BitcaskStore#mergeNow()}). */
    static BitcaskStore open(Disk disk) {
        return BitcaskStore.open(DIR, options(disk), new BitcaskConfig(65536, Double.POSITIVE_INFINITY, false,
                BitcaskConfig.DEFAULT_CACHE_BYTES));
    }

    /** Opens {@link #DIR} on {@code disk}: 64 KiB files, merges at {@code mergeDeadRatio}, on the writing thread. */
    static BitcaskStore open(Disk disk, String mergeDeadRatio) {
        return BitcaskStore.open(DIR, options(disk).toBuilder().property("bitcask.fileBytes", "65536")
                .property("bitcask.mergeDeadRatio", mergeDeadRatio).property("bitcask.backgroundMerge", "0").build());
    }

    private static StoreOptions options(Disk disk) {
        return StoreOptions.builder().syncMode(SyncMode.SYNC).disk(disk).build();
    }

    static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    /** @return a value of {@code size} bytes that names key {@code i} and version {@code version} */
    static byte[] value(int i, int version, int size) {
        byte[] v = new byte[size];
        byte[] tag = ("v" + i + "." + version + ";").getBytes(StandardCharsets.UTF_8);
        for (int p = 0; p < size; p++) {
            v[p] = tag[p % tag.length];
        }
        return v;
    }

    /** @return whether {@code content} contains {@code pattern}, and where (-1 if not) */
    static int indexOf(byte[] content, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= content.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (content[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static boolean same(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
