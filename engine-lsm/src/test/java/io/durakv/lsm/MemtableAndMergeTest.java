package io.durakv.lsm;

import io.durakv.api.WriteBatch;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The memtable's versions and budget, and the merging iterator's internal-key order across sources. */
class MemtableAndMergeTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static List<WriteBatch.Op> ops(String... kv) {
        List<WriteBatch.Op> ops = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) {
            ops.add(new WriteBatch.Op(b(kv[i]), kv[i + 1] == null ? null : b(kv[i + 1])));
        }
        return ops;
    }

    @Test
    void getReturnsTheNewestVersionAtOrBelowTheSequence() {
        Memtable m = new Memtable();
        m.apply(ops("a", "1"), 1);
        m.apply(ops("a", null), 2);
        m.apply(ops("a", "3", "b", "x"), 3);
        assertThat(m.get(b("a"), 0)).isNull();
        assertThat(m.get(b("a"), 1).value()).isEqualTo(b("1"));
        assertThat(m.get(b("a"), 2).kind()).isEqualTo(EntryKind.DELETE);
        assertThat(m.get(b("a"), 9).value()).isEqualTo(b("3"));
        assertThat(m.get(b("b"), 2)).isNull();
        assertThat(m.get(b("c"), 9)).isNull();
        assertThat(m.firstSequence()).isEqualTo(1);
        assertThat(m.lastSequence()).isEqualTo(3);
    }

    @Test
    void aBatchTouchingAKeyTwiceKeepsTheLaterOperationAndCountsItsBytesOnce() {
        Memtable m = new Memtable();
        m.apply(ops("k", "first-value", "k", "v2"), 7);
        assertThat(m.get(b("k"), 7).value()).isEqualTo(b("v2"));
        assertThat(m.bytes()).isEqualTo(Memtable.ENTRY_OVERHEAD + 1 + 2);
        m.apply(ops("k", "v3", "k", null), 8);
        assertThat(m.get(b("k"), 8).kind()).isEqualTo(EntryKind.DELETE);
    }

    @Test
    void mergingIteratorYieldsInternalKeyOrderAcrossSourcesAndSeeks() {
        Memtable newer = new Memtable();
        Memtable older = new Memtable();
        older.apply(ops("a", "o1", "c", "o1"), 1);
        older.apply(ops("e", "o2"), 2);
        newer.apply(ops("c", null, "d", "n3"), 3);
        newer.apply(ops("a", "n4"), 4);
        List<String> seen = new ArrayList<>();
        try (MergingIterator it = new MergingIterator(List.of(newer.iterator(), older.iterator()))) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                seen.add(new String(it.key(), StandardCharsets.US_ASCII) + "@" + it.sequence()
                        + (it.kind() == EntryKind.DELETE ? "-" : "=" + new String(it.value(), StandardCharsets.US_ASCII)));
            }
            assertThat(seen).containsExactly("a@4=n4", "a@1=o1", "c@3-", "c@1=o1", "d@3=n3", "e@2=o2");
            it.seek(b("b"));
            assertThat(it.key()).isEqualTo(b("c"));
            assertThat(it.sequence()).isEqualTo(3);
            it.seek(b("f"));
            assertThat(it.valid()).isFalse();
        }
    }

    /**
     * Many sources, some holding long runs of keys no other source has (one source dominates the merge for a while)
     * and some interleaved, with versions of one key in several sources: the merge yields every entry in
     * internal-key order, also after seeks.
     */
    @Test
    void mergingIteratorMatchesASortOfAllEntriesWithDominantRunsAndInterleavings() {
        for (long seed = 1; seed <= 30; seed++) {
            java.util.Random r = new java.util.Random(seed);
            int n = 1 + r.nextInt(6);
            List<Memtable> tables = new ArrayList<>();
            List<String> all = new ArrayList<>();
            long lsn = 0;
            for (int t = 0; t < n; t++) {
                tables.add(new Memtable());
            }
            for (int i = 0; i < 400; i++) {
                int t = r.nextInt(n);
                // a run of consecutive keys into one source, or one key anywhere
                int start = r.nextInt(2000);
                int run = r.nextInt(4) == 0 ? 1 + r.nextInt(30) : 1;
                for (int k = start; k < start + run; k++) {
                    String key = String.format("%05d", r.nextInt(8) == 0 ? k % 50 : k);
                    lsn++;
                    tables.get(t).apply(ops(key, "v" + lsn), lsn);
                    all.add(key + "@" + String.format("%08d", Long.MAX_VALUE / 2 - lsn));
                }
            }
            java.util.Collections.sort(all); // key, then newest first (descending lsn as ascending complement)
            List<InternalIterator> sources = new ArrayList<>();
            tables.forEach(m -> sources.add(m.iterator()));
            try (MergingIterator it = new MergingIterator(sources)) {
                List<String> seen = new ArrayList<>();
                for (it.seekToFirst(); it.valid(); it.next()) {
                    seen.add(new String(it.key(), StandardCharsets.US_ASCII) + "@"
                            + String.format("%08d", Long.MAX_VALUE / 2 - it.sequence()));
                    assertThat(it.value()).isEqualTo(b("v" + it.sequence()));
                }
                assertThat(seen).isEqualTo(all);
                String from = String.format("%05d", r.nextInt(2100));
                seen.clear();
                for (it.seek(b(from)); it.valid(); it.next()) {
                    seen.add(new String(it.key(), StandardCharsets.US_ASCII) + "@"
                            + String.format("%08d", Long.MAX_VALUE / 2 - it.sequence()));
                }
                assertThat(seen).isEqualTo(all.stream().filter(e -> e.compareTo(from) >= 0).toList());
            }
        }
    }
}
