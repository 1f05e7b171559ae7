package io.durakv.lsm;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Review attacks on SSTables read through read mappings closed with the table (on a local disk: real mappings on Java
 * 22+, which the mapped-writes profile runs this on): a scan whose tables are compacted away, deleted and evicted
 * keeps reading its snapshot; readers racing compactions and table-cache evictions (few open files) never read a
 * closed table; a scan used after its store closed throws {@link IllegalStateException}.
 */
class MappedReadsUnderReaderReviewTest {

    @TempDir
    Path dir;

    private LsmStore open(boolean background, String... props) {
        StoreOptions.Builder b = StoreOptions.builder().syncMode(SyncMode.NONE).disk(LocalDisk.INSTANCE);
        for (int i = 0; i < props.length; i += 2) {
            b.property(props[i], props[i + 1]);
        }
        return LsmStore.open(dir, b.build(), background);
    }

    private static final String[] SMALL = {"lsm.memtableBytes", "8192", "lsm.level0Trigger", "2",
            "lsm.levelBaseBytes", "32768", "lsm.targetFileBytes", "8192", "lsm.blockBytes", "1024",
            "lsm.blockCacheBytes", "0", "lsm.level0StopTrigger", "4"};

    private static byte[] key(int i) {
        return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int i, int round) {
        return ("k" + i + "-r" + round + "-" + "x".repeat(20 + i % 40)).getBytes(StandardCharsets.UTF_8);
    }

    private static String[] with(String[] base, String... more) {
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void aScanWhoseTablesAreCompactedAwayAndEvictedKeepsReadingItsSnapshot() {
        int n = 2000;
        try (LsmStore s = open(false, with(SMALL, "lsm.maxOpenFiles", "13"))) {
            for (int i = 0; i < n; i++) {
                s.put(key(i), value(i, 0));
            }
            long deletedBefore;
            int read = 0;
            try (KeyValueIterator it = s.scan(null, null)) {
                for (; read < 10; read++) {
                    KeyValue kv = it.next();
                    assertThat(kv.key()).isEqualTo(key(read));
                    assertThat(kv.value()).isEqualTo(value(read, 0));
                }
                long compactionsBefore = s.stats.compactions.get();
                for (int round = 1; round <= 3; round++) {
                    for (int i = 0; i < n; i++) {
                        s.put(key(i), value(i, round));
                    }
                }
                assertThat(s.stats.compactions.get()).as("compactions meanwhile").isGreaterThan(compactionsBefore);
                deletedBefore = s.stats.filesDeleted.get();
                while (it.hasNext()) {
                    KeyValue kv = it.next();
                    assertThat(kv.key()).isEqualTo(key(read));
                    assertThat(kv.value()).as("key %d", read).isEqualTo(value(read, 0));
                    read++;
                }
            }
            assertThat(read).isEqualTo(n);
            assertThat(s.stats.filesDeleted.get()).as("the scan's obsolete tables, deleted at its close")
                    .isGreaterThan(deletedBefore);
            for (int i = 0; i < n; i++) {
                assertThat(s.get(key(i))).isEqualTo(value(i, 3));
            }
            s.verify();
        }
    }

    @Test
    void readersRacingCompactionsAndTableEvictionsNeverReadAClosedTable() throws Exception {
        int n = 1500;
        int rounds = 8;
        AtomicInteger completed = new AtomicInteger(-1);
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (LsmStore s = open(true, with(SMALL, "lsm.maxOpenFiles", "13"))) {
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                long seed = t;
                Thread r = new Thread(() -> {
                    Random rnd = new Random(seed);
                    try {
                        while (!done.get()) {
                            int floor = completed.get();
                            int i = rnd.nextInt(n);
                            checkValue(i, s.get(key(i)), floor);
                            int from = rnd.nextInt(n);
                            int expect = from;
                            try (KeyValueIterator it = s.scan(key(from), key(Math.min(n, from + 300)))) {
                                while (it.hasNext()) {
                                    KeyValue kv = it.next();
                                    assertThat(kv.key()).isEqualTo(key(expect));
                                    checkValue(expect, kv.value(), floor);
                                    expect++;
                                }
                            }
                            if (floor >= 0) {
                                assertThat(expect).isEqualTo(Math.min(n, from + 300));
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                r.start();
                readers.add(r);
            }
            try {
                for (int round = 0; round < rounds && failure.get() == null; round++) {
                    for (int i = 0; i < n; i++) {
                        s.put(key(i), value(i, round));
                    }
                    completed.set(round);
                }
            } finally {
                done.set(true);
                for (Thread r : readers) {
                    r.join(60_000);
                }
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertThat(s.stats.compactions.get() + s.stats.trivialMoves.get()).isPositive();
            s.verify();
        }
    }

    private static void checkValue(int i, byte[] got, int floor) {
        if (floor < 0 && got == null) {
            return;
        }
        assertThat(got).as("key %d (every round up to %d complete)", i, floor).isNotNull();
        String v = new String(got, StandardCharsets.UTF_8);
        String prefix = "k" + i + "-r";
        assertThat(v).startsWith(prefix);
        int round = Integer.parseInt(v.substring(prefix.length(), v.indexOf('-', prefix.length())));
        assertThat(round).as("key %d", i).isGreaterThanOrEqualTo(Math.max(0, floor));
        assertThat(got).isEqualTo(value(i, round));
    }

    @Test
    void aScanUsedAfterItsStoreClosedThrowsIllegalStateException() {
        LsmStore s = open(false, with(SMALL, "lsm.maxOpenFiles", "13"));
        for (int i = 0; i < 1500; i++) {
            s.put(key(i), value(i, 0));
        }
        KeyValueIterator it = s.scan(null, null);
        assertThat(it.next().key()).isEqualTo(key(0));
        s.close();
        assertThatThrownBy(() -> {
            while (it.hasNext()) {
                it.next();
            }
        }).isInstanceOf(IllegalStateException.class);
        it.close();
    }
}
