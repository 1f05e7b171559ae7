package io.durakv.lsm;

import io.durakv.api.io.SimulatedDisk;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.NavigableSet;
import java.util.Random;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Write-then-read against a sorted-set model: random histories (empty and long keys, shared prefixes, many versions,
 * tombstones, values larger than a block) written with tiny and default block sizes and restart intervals, then every
 * read path checked: get at random sequence numbers, full iteration, seek to random keys, the metadata.
 */
class SstRoundTripPropertiesTest {

    private static final Path FILE = Path.of("/db/000001.sst");

    /** One entry of the model, ordered by internal key. */
    record Entry(byte[] key, long sequence, byte kind, byte[] value) {
        static final Comparator<Entry> ORDER = (a, b) -> EntryKind.compare(a.key, a.sequence, b.key, b.sequence);
    }

    @Property(tries = 150)
    void everyReadPathReturnsExactlyWhatWasWritten(@ForAll("histories") List<Entry> history,
                                                   @ForAll("blockSizes") int blockBytes,
                                                   @ForAll @IntRange(min = 1, max = 20) int restartInterval,
                                                   @ForAll @IntRange(min = 0, max = 3) int cacheKind,
                                                   @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long probeSeed)
            throws Exception {
        NavigableSet<Entry> model = new TreeSet<>(Entry.ORDER);
        model.addAll(history); // the first of equal internal keys wins, as a dedup
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(FILE.getParent());
        SstOptions options = SstOptions.defaults().withBlockBytes(blockBytes).withRestartInterval(restartInterval);
        SstMeta meta;
        try (SstWriter w = SstWriter.create(disk, FILE, options)) {
            for (Entry e : model) {
                w.add(e.key, e.sequence, e.kind, e.value);
            }
            assertThat(w.entries()).isEqualTo(model.size());
            meta = w.finish();
        }
        assertThat(meta.fileBytes()).isEqualTo(disk.content(FILE).length);
        assertThat(meta.entries()).isEqualTo(model.size());
        assertThat(meta.smallestKey()).isEqualTo(model.first().key);
        assertThat(meta.largestKey()).isEqualTo(model.last().key);
        assertThat(meta.smallestSequence()).isEqualTo(model.stream().mapToLong(Entry::sequence).min().orElseThrow());
        assertThat(meta.largestSequence()).isEqualTo(model.stream().mapToLong(Entry::sequence).max().orElseThrow());

        BlockCache cache = switch (cacheKind) {
            case 0 -> null;
            case 1 -> new BlockCache(0);
            case 2 -> new BlockCache(blockBytes * 3L);
            default -> new BlockCache(1 << 24);
        };
        try (SstReader reader = SstReader.open(disk, FILE, 1, cache)) {
            assertThat(reader.meta()).isEqualTo(meta);
            checkIteration(reader, model);
            checkIteration(reader, model); // a second pass reads through the cache
            Random random = new Random(probeSeed);
            List<byte[]> keys = new ArrayList<>();
            model.forEach(e -> keys.add(e.key));
            for (int i = 0; i < 60; i++) {
                byte[] key = random.nextInt(3) == 0 ? randomKey(random) : keys.get(random.nextInt(keys.size()));
                long maxSequence = random.nextInt(4) == 0 ? Long.MAX_VALUE : random.nextInt(1100) - 5;
                Entry expected = newest(model, key, maxSequence);
                SstEntry actual = reader.get(key, maxSequence);
                String what = "get(" + Arrays.toString(key) + ", " + maxSequence + ")";
                if (expected == null) {
                    assertThat(actual).as(what).isNull();
                } else {
                    assertThat(reader.mayContain(key)).as("no false negative: " + what).isTrue();
                    assertThat(actual).as(what).isNotNull();
                    assertThat(actual.sequence()).as(what).isEqualTo(expected.sequence);
                    assertThat(actual.kind()).as(what).isEqualTo(expected.kind);
                    assertThat(actual.value()).as(what).isEqualTo(expected.value);
                }
                checkSeek(reader, model, random.nextBoolean() ? key : randomKey(random));
            }
        }
        if (cache != null) {
            assertThat(cache.usedBytes()).isLessThanOrEqualTo(cache.capacity());
        }
    }

    private static void checkIteration(SstReader reader, NavigableSet<Entry> model) {
        try (InternalIterator it = reader.iterator()) {
            assertThat(it.valid()).isFalse();
            it.seekToFirst();
            for (Entry e : model) {
                assertThat(it.valid()).isTrue();
                assertEntry(it, e);
                it.next();
            }
            assertThat(it.valid()).isFalse();
        }
    }

    private static void checkSeek(SstReader reader, NavigableSet<Entry> model, byte[] target) {
        try (InternalIterator it = reader.iterator()) {
            it.seek(target);
            var expected = model.tailSet(new Entry(target, Long.MAX_VALUE, EntryKind.PUT, null), true).iterator();
            for (int i = 0; i < 5; i++) {
                if (!expected.hasNext()) {
                    assertThat(it.valid()).as("seek(%s) past the end", Arrays.toString(target)).isFalse();
                    return;
                }
                assertThat(it.valid()).isTrue();
                assertEntry(it, expected.next());
                it.next();
            }
        }
    }

    private static void assertEntry(InternalIterator it, Entry e) {
        assertThat(it.key()).isEqualTo(e.key);
        assertThat(it.sequence()).isEqualTo(e.sequence);
        assertThat(it.kind()).isEqualTo(e.kind);
        assertThat(it.value()).isEqualTo(e.value);
    }

    private static Entry newest(NavigableSet<Entry> model, byte[] key, long maxSequence) {
        Entry at = model.ceiling(new Entry(key, maxSequence, EntryKind.PUT, null));
        return at != null && Arrays.equals(at.key, key) ? at : null;
    }

    private static byte[] randomKey(Random random) {
        byte[] k = new byte[random.nextInt(5)];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) new int[]{0, 1, 2, 0x7F, 0x80, 0xFF}[random.nextInt(6)];
        }
        return k;
    }

    @Provide
    Arbitrary<Integer> blockSizes() {
        return Arbitraries.of(32, 48, 100, 512, 4096);
    }

    @Provide
    Arbitrary<List<Entry>> histories() {
        Arbitrary<byte[]> shortKeys = Arbitraries.of((byte) 0, (byte) 1, (byte) 2, (byte) 0x7F, (byte) 0x80,
                (byte) 0xFF).array(byte[].class).ofMaxSize(4);
        byte[] prefix = new byte[300];
        Arrays.fill(prefix, (byte) 'p');
        Arbitrary<byte[]> longKeys = shortKeys.map(suffix -> {
            byte[] k = Arrays.copyOf(prefix, prefix.length + suffix.length);
            System.arraycopy(suffix, 0, k, prefix.length, suffix.length);
            return k;
        });
        Arbitrary<byte[]> keys = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, shortKeys), net.jqwik.api.Tuple.of(2, longKeys));
        Arbitrary<byte[]> values = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, Arbitraries.bytes().array(byte[].class).ofMaxSize(40)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(100, 6000).map(n -> filled(n))));
        Arbitrary<Long> sequences = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, Arbitraries.longs().between(0, 1000)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(SstFormat.MAX_SEQUENCE - 3,
                        SstFormat.MAX_SEQUENCE)));
        Arbitrary<Entry> entries = Combinators.combine(keys, sequences, Arbitraries.integers().between(0, 4), values)
                .as((k, s, d, v) -> d == 0 ? new Entry(k, s, EntryKind.DELETE, null)
                        : new Entry(k, s, EntryKind.PUT, v));
        return entries.list().ofMinSize(1).ofMaxSize(250);
    }

    private static byte[] filled(int n) {
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
            v[i] = (byte) (i * 31 + n);
        }
        return v;
    }
}
