package io.durakv.wal;

import io.durakv.api.SyncMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random histories of appends, syncs, clean and unclean reopens (an unclean reopen abandons the open log, as a
 * killed process does: the page cache keeps every acknowledged record) and truncations, checked against a model list
 * after every step.
 */
class WalModelPropertyTest {

    /** One step of a history. */
    record Op(String kind, int size) {
        @Override
        public String toString() {
            return kind + (kind.equals("append") || kind.equals("truncate") ? "(" + size + ")" : "");
        }
    }

    private Path dir;

    @BeforeTry
    void createDirectory() throws IOException {
        dir = Files.createTempDirectory("wal-model");
    }

    @AfterTry
    void deleteDirectory() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Provide
    Arbitrary<List<Op>> histories() {
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, Arbitraries.integers().between(0, 7000).map(n -> new Op("append", n))),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(new Op("sync", 0))),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(new Op("reopen", 0))),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(new Op("kill", 0))),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 100).map(n -> new Op("truncate", n))));
        return op.list().ofMinSize(1).ofMaxSize(60);
    }

    @Provide
    Arbitrary<SyncMode> modes() {
        // BATCH is left out: an abandoned BATCH log keeps its flusher thread for the rest of the run.
        return Arbitraries.of(SyncMode.SYNC, SyncMode.NONE);
    }

    @Property(tries = 120)
    void theLogAlwaysHoldsAContiguousSuffixOfWhatWasAppended(@ForAll("histories") List<Op> history,
                                                           @ForAll("modes") SyncMode mode) {
        WalOptions options = small(mode);
        List<byte[]> model = new ArrayList<>();
        long truncatedBefore = 1;
        long firstKept = 1;
        WriteAheadLog log = WriteAheadLog.open(dir, options);
        try {
            for (Op op : history) {
                switch (op.kind()) {
                    case "append" -> {
                        byte[] r = record(model.size() + 1, op.size());
                        assertThat(log.append(r)).isEqualTo(model.size() + 1);
                        model.add(r);
                    }
                    case "sync" -> log.sync();
                    case "reopen" -> {
                        log.close();
                        log = WriteAheadLog.open(dir, options);
                    }
                    case "kill" -> log = WriteAheadLog.open(dir, options);
                    case "truncate" -> {
                        long lsn = (model.size() + 1L) * op.size() / 100;
                        log.truncateBefore(lsn);
                        truncatedBefore = Math.max(truncatedBefore, lsn);
                    }
                    default -> throw new AssertionError(op);
                }
                assertThat(log.lastLsn()).isEqualTo(model.size());
                List<Entry> all = replayAll(log);
                long first = all.isEmpty() ? model.size() + 1 : all.get(0).lsn();
                assertThat(first).as("records from the last truncation point on are kept")
                        .isLessThanOrEqualTo(Math.max(truncatedBefore, 1));
                assertThat(first).as("truncated records never come back").isGreaterThanOrEqualTo(firstKept);
                firstKept = first;
                assertThat(log.firstLsn()).isEqualTo(first);
                assertThat(all).hasSize((int) (model.size() - first + 1));
                for (Entry e : all) {
                    assertThat(e.bytes()).isEqualTo(model.get((int) e.lsn() - 1));
                }
            }
        } finally {
            log.close();
        }
    }
}
