package io.durakv.lsm;

import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.Disk;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Opening stores in the engine's unit tests. */
final class Stores {

    static final Path DIR = Path.of("/db");

    private Stores() {
    }

    /** Opens an LSM store in SYNC mode on {@code disk}; {@code background} false runs flushes inline. */
    static LsmStore open(Disk disk, boolean background, String... properties) {
        StoreOptions.Builder b = StoreOptions.builder().syncMode(SyncMode.SYNC).disk(disk);
        for (int i = 0; i < properties.length; i += 2) {
            b.property(properties[i], properties[i + 1]);
        }
        return LsmStore.open(DIR, b.build(), background);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] key(int i) {
        return bytes(String.format("key%05d", i));
    }

    static byte[] value(int i, int round) {
        return bytes("value-" + i + "-" + round + "-" + "x".repeat(i % 50));
    }
}
