package io.durakv.lsm;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Review of round 5's in-place key comparisons (7d372ac): the merge caches each source's key array, offset, length and
 * sequence, and scans, flushes and compactions compare keys there. Attacks: sources whose key buffers are reused when
 * they move (tiny blocks: a block boundary every few entries; several tables per level; memtable data pages), keys of
 * very different lengths sharing long prefixes (a buffer that grows, a shorter key over a longer one), the same user key
 * at different sequences in every kind of source with deletes, bounds at and between keys, a scan kept open while the
 * store writes, flushes and compacts beneath it, and close while scanning.
 */
class ScanInPlaceReviewTest {

    private static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

    /** Key {@code i} of a pool: runs of 'p' of very different lengths before a number, and the empty key. */
    private static byte[] key(int i) {
        if (i == 0) {
            return new byte[0];
        }
        int[] runs = {0, 1, 7, 100, 119, 120, 250};
        return ("p".repeat(runs[i % runs.length]) + String.format("%04d", i)).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] value(Random r, int i, int round) {
        byte[] v = new byte[r.nextInt(4) == 0 ? 130 + r.nextInt(200) : r.nextInt(20)];
        Arrays.fill(v, (byte) (i * 7 + round));
        if (v.length > 0) {
            v[0] = (byte) round;
        }
        return v;
    }

    /** One internal entry as a source holds it. */
    private record Entry(byte[] key, long sequence, byte[] value) { // value null = tombstone
    }

    private static String describe(byte[] key, long sequence, byte kind, byte[] value) {
        return new String(key, StandardCharsets.US_ASCII) + "@" + sequence + (kind == EntryKind.DELETE ? " DEL"
                : "=" + Arrays.toString(value));
    }

    /**
     * A merge of two memtables and three tables (blocks of 64 bytes, a restart every 2 entries) whose entries are the
     * same user keys at different sequences: every step's key, read in place, and every seek equal the sorted union.
     */
    @Test
    void aMergeOverTinyBlocksAndMemtablesEqualsTheSortedUnion() throws Exception {
        Random r = new Random(7);
        int sources = 5;
        List<List<Entry>> perSource = new ArrayList<>();
        for (int s = 0; s < sources; s++) {
            perSource.add(new ArrayList<>());
        }
        long seq = 0;
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < 120; i++) {
                if (r.nextInt(3) == 0) {
                    continue;
                }
                int s = r.nextInt(sources);
                byte[] v = r.nextInt(5) == 0 ? null : value(r, i, round);
                perSource.get(s).add(new Entry(key(i), ++seq, v));
            }
        }
        SimulatedDisk disk = new SimulatedDisk();
        List<InternalIterator> its = new ArrayList<>();
        List<SstReader> readers = new ArrayList<>();
        for (int s = 0; s < sources; s++) {
            List<Entry> entries = perSource.get(s);
            entries.sort(Comparator.comparing(Entry::key, UNSIGNED)
                    .thenComparing(Entry::sequence, Comparator.reverseOrder()));
            if (s < 2) {
                Memtable m = new Memtable(1 << 20);
                List<Entry> bySequence = new ArrayList<>(entries);
                bySequence.sort(Comparator.comparingLong(Entry::sequence));
                for (Entry e : bySequence) {
                    m.apply(List.of(new WriteBatch.Op(e.key(), e.value())), e.sequence());
                }
                its.add(m.iterator());
            } else {
                Path file = Path.of("/t/" + s + ".sst");
                disk.createDirectories(file.getParent());
                try (SstWriter w = SstWriter.create(disk, file,
                        SstOptions.defaults().withBlockBytes(64).withRestartInterval(2))) {
                    for (Entry e : entries) {
                        w.add(e.key(), e.sequence(), e.value() == null ? EntryKind.DELETE : EntryKind.PUT, e.value());
                    }
                    w.finish();
                }
                SstReader reader = SstReader.open(disk, file, s, new BlockCache(1 << 20), s % 2 == 0);
                readers.add(reader);
                its.add(reader.iterator());
            }
        }
        List<Entry> all = new ArrayList<>();
        perSource.forEach(all::addAll);
        all.sort(Comparator.comparing(Entry::key, UNSIGNED).thenComparing(Entry::sequence, Comparator.reverseOrder()));
        List<String> expected = new ArrayList<>();
        for (Entry e : all) {
            expected.add(describe(e.key(), e.sequence(), e.value() == null ? EntryKind.DELETE : EntryKind.PUT,
                    e.value()));
        }
        try (MergingIterator it = new MergingIterator(its)) {
            assertThat(collect(it, null)).containsExactlyElementsOf(expected);
            for (int i = 0; i < 130; i += 3) { // seeks to keys present, absent, and past the end
                byte[] k = key(i);
                List<String> from = new ArrayList<>();
                for (Entry e : all) {
                    if (Arrays.compareUnsigned(e.key(), k) >= 0) {
                        from.add(describe(e.key(), e.sequence(), e.value() == null ? EntryKind.DELETE
                                : EntryKind.PUT, e.value()));
                    }
                }
                assertThat(collect(it, k)).as("seek to %s", new String(k, StandardCharsets.US_ASCII))
                        .containsExactlyElementsOf(from);
            }
        } finally {
            for (SstReader reader : readers) {
                reader.close();
            }
        }
    }

    /** Runs the merge from a seek (or the first entry), reading each key in place as scans and compactions do. */
    private static List<String> collect(MergingIterator it, byte[] from) {
        if (from == null) {
            it.seekToFirst();
        } else {
            it.seek(from);
        }
        List<String> out = new ArrayList<>();
        for (; it.valid(); it.next()) {
            byte[] inPlace = Arrays.copyOfRange(it.keyArray(), it.keyOffset(), it.keyOffset() + it.keyLength());
            assertThat(inPlace).as("the key in place is the key").isEqualTo(it.key());
            out.add(describe(inPlace, it.sequence(), it.kind(), it.value()));
        }
        return out;
    }

    private static final String[] SMALL = {"lsm.memtableBytes", "1024", "lsm.blockBytes", "256",
            "lsm.targetFileBytes", "1024", "lsm.levelBaseBytes", "4096", "lsm.level0Trigger", "2",
            "lsm.maxImmutableMemtables", "3"};

    private static List<Map.Entry<byte[], byte[]>> scan(LsmStore s, byte[] from, byte[] to) {
        List<Map.Entry<byte[], byte[]>> out = new ArrayList<>();
        try (KeyValueIterator it = s.scan(from, to)) {
            while (it.hasNext()) {
                KeyValue kv = it.next();
                out.add(Map.entry(kv.key(), kv.value()));
            }
        }
        return out;
    }

    private static List<String> describe(List<Map.Entry<byte[], byte[]>> entries) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> e : entries) {
            out.add(new String(e.getKey(), StandardCharsets.US_ASCII) + "=" + Arrays.toString(e.getValue()));
        }
        return out;
    }

    private static List<Map.Entry<byte[], byte[]>> expected(NavigableMap<byte[], byte[]> model, byte[] from,
                                                            byte[] to) {
        NavigableMap<byte[], byte[]> range = model;
        if (from != null && to != null && Arrays.compareUnsigned(from, to) >= 0) {
            return List.of(); // an empty range
        }
        if (from != null) {
            range = range.tailMap(from, true);
        }
        if (to != null) {
            range = range.headMap(to, false);
        }
        return new ArrayList<>(range.entrySet());
    }

    /** A bound: a key of the pool, one just after it (the key and a zero byte), one just before it, or none. */
    private static byte[] bound(Random r) {
        int kind = r.nextInt(5);
        byte[] k = key(r.nextInt(130));
        if (kind == 0) {
            return null;
        }
        if (kind == 1 && k.length > 0) {
            byte[] before = k.clone();
            before[before.length - 1]--;
            return before;
        }
        if (kind == 2) {
            return Arrays.copyOf(k, k.length + 1);
        }
        return k;
    }

    /**
     * Puts, overwrites and deletes of keys sharing long prefixes, with flushes (two memtables into one table when they
     * wait, in the background) and compactions into several small tables per level: every scan, with bounds at, just
     * before and just after keys, equals the model; a scan kept open while the store writes, flushes and compacts
     * beneath it still returns the state it began at; closing the store while it is open ends it cleanly.
     */
    @ParameterizedTest(name = "background {0}")
    @ValueSource(booleans = {false, true})
    void scansEqualTheModelWhateverSourcesHoldTheKeys(boolean background) {
        Random r = new Random(background ? 11 : 5);
        SimulatedDisk disk = new SimulatedDisk();
        NavigableMap<byte[], byte[]> model = new TreeMap<>(UNSIGNED);
        LsmStore s = Stores.open(disk, background, SMALL);
        try {
            KeyValueIterator held = null;
            List<String> heldExpected = null;
            List<String> heldSeen = new ArrayList<>();
            for (int round = 0; round < 9; round++) {
                for (int n = 0; n < 150; n++) {
                    int i = r.nextInt(130);
                    if (r.nextInt(4) == 0) {
                        s.delete(key(i));
                        model.remove(key(i));
                    } else {
                        byte[] v = value(r, i, round);
                        s.put(key(i), v);
                        model.put(key(i), v);
                    }
                }
                for (int q = 0; q < 15; q++) {
                    byte[] from = bound(r);
                    byte[] to = bound(r);
                    assertThat(describe(scan(s, from, to))).as("round %d scan %d", round, q)
                            .containsExactlyElementsOf(describe(expected(model, from, to)));
                }
                if (held == null && round % 4 == 1) {
                    held = s.scan(key(3), null);
                    heldExpected = describe(expected(model, key(3), null));
                    heldSeen.clear();
                    for (int n = 0; n < 10 && held.hasNext(); n++) {
                        KeyValue kv = held.next();
                        heldSeen.add(describe(List.of(Map.entry(kv.key(), kv.value()))).get(0));
                    }
                } else if (held != null) {
                    while (held.hasNext()) { // the store wrote, flushed and compacted beneath it
                        KeyValue kv = held.next();
                        heldSeen.add(describe(List.of(Map.entry(kv.key(), kv.value()))).get(0));
                    }
                    held.close();
                    assertThat(heldSeen).as("a scan kept open across writes, round %d", round)
                            .containsExactlyElementsOf(heldExpected);
                    held = null;
                }
            }
            assertThat(s.stats().flushes.get()).isPositive();
            assertThat(s.versions.current().files(1).size() + s.versions.current().files(2).size())
                    .as("several tables in the levels: %s", s.versions.current()).isGreaterThan(1);
            // Bounds exactly at the edges of every table (several per level): its smallest and largest keys, and just
            // past the largest, each as a start and as an end.
            List<byte[]> edges = new ArrayList<>();
            for (int level = 0; level < LsmFormat.LEVELS; level++) {
                for (FileMeta f : s.versions.current().files(level)) {
                    edges.add(f.smallest);
                    edges.add(f.largest);
                    edges.add(Arrays.copyOf(f.largest, f.largest.length + 1));
                }
            }
            for (int e = 0; e < edges.size(); e++) {
                byte[] edge = edges.get(e);
                byte[] other = edges.get((e * 7 + 3) % edges.size());
                assertThat(describe(scan(s, edge, null))).as("from a table edge")
                        .containsExactlyElementsOf(describe(expected(model, edge, null)));
                assertThat(describe(scan(s, null, edge))).as("to a table edge")
                        .containsExactlyElementsOf(describe(expected(model, null, edge)));
                assertThat(describe(scan(s, edge, other))).as("between table edges")
                        .containsExactlyElementsOf(describe(expected(model, edge, other)));
            }
            KeyValueIterator open = s.scan(null, null);
            assertThat(open.hasNext()).isTrue();
            open.next();
            s.close();
            assertThatThrownBy(open::hasNext).isInstanceOf(IllegalStateException.class);
            open.close();
        } finally {
            s.close();
        }
        try (LsmStore again = Stores.open(disk, false, SMALL)) {
            again.verify();
            assertThat(describe(scan(again, null, null))).containsExactlyElementsOf(describe(expected(model, null,
                    null)));
        }
    }
}
