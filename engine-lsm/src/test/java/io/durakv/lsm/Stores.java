package io.durakv.lsm;

import io.durakv.api.StoreException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.Disk;
import io.durakv.api.io.SimulatedDisk;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

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

    /**
     * Opens a store (inline flushes) on {@code disk}, puts {@link #key} 0 to {@code keys - 1} with values of
     * {@code round}, and closes it, until the end or the power fails; a failure with the power on fails the test.
     *
     * @return how many puts were acknowledged
     */
    static int putAndClose(SimulatedDisk disk, int keys, int round, String... properties) {
        LsmStore s;
        try {
            s = open(disk, false, properties);
        } catch (StoreException e) {
            assertThat(disk.poweredOff()).as("open failed with the power on: " + e).isTrue();
            return 0;
        }
        int acked = 0;
        try {
            for (int i = 0; i < keys; i++) {
                s.put(key(i), value(i, round));
                acked++;
            }
        } catch (StoreException e) {
            assertThat(disk.poweredOff()).as("a put failed with the power on: " + e).isTrue();
        } finally {
            try {
                s.close();
            } catch (StoreException e) {
                assertThat(disk.poweredOff()).as("close failed with the power on: " + e).isTrue();
            }
        }
        return acked;
    }

    /**
     * Loses power after each mutating disk call of an open (recovery and its flushes) of a store that {@code load}
     * left on a disk, and checks two crash images of each (and, if {@code crashAfterRecovery}, a crash after the
     * recovery of the first image too): recovery never fails, and {@code check} passes on each.
     */
    static void powerLossAtEveryCallOfOpen(Consumer<SimulatedDisk> load, String[] properties,
                                           BiConsumer<LsmStore, String> check, boolean crashAfterRecovery) {
        SimulatedDisk probe = new SimulatedDisk();
        load.accept(probe);
        long first = probe.mutatingCalls();
        open(probe, false, properties).close();
        long calls = probe.mutatingCalls();
        for (long k = first; k <= calls; k++) {
            SimulatedDisk disk = new SimulatedDisk();
            load.accept(disk);
            disk.powerLossAfter(k);
            try {
                open(disk, false, properties).close();
            } catch (StoreException e) {
                assertThat(disk.poweredOff()).as("recovery failed with the power on: " + e).isTrue();
            }
            for (long seed = 0; seed < 2; seed++) {
                String where = "power loss after " + k + " of " + calls + " calls, image " + seed;
                SimulatedDisk image = disk.crash(seed);
                try (LsmStore s = open(image, false, properties)) {
                    check.accept(s, where);
                } catch (StoreException e) {
                    throw new AssertionError(where + ": recovery failed: " + e, e);
                }
                if (crashAfterRecovery && seed == 0) {
                    try (LsmStore s = open(image.crash(seed), false, properties)) {
                        check.accept(s, where + ", then a crash after recovery");
                    }
                }
            }
        }
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
