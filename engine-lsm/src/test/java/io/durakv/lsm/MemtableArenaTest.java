package io.durakv.lsm;

import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The arena skip list against a model (random batches with repeated keys, ascending and descending runs, values from
 * empty to larger than a data page) and under one writer with concurrent lock-free readers.
 */
class MemtableArenaTest {

    /** An internal key of the model. */
    private record Ik(byte[] key, long seq) {
    }

    private static final Comparator<Ik> ORDER = (a, b) -> EntryKind.compare(a.key, a.seq, b.key, b.seq);

    private static byte[] key(Random r, int mode, long i) {
        return switch (mode) {
            // ascending, 16 bytes whose first 8 are zero (kvbench's keys: only the node's second prefix long differs)
            case 0 -> ByteBuffer.allocate(16).putLong(0).putLong(i).array();
            case 1 -> ByteBuffer.allocate(8).putLong(Long.MAX_VALUE - i).array(); // descending
            default -> {
                // Few distinct keys (many versions, repeats in a batch); lengths on both sides of the 8 and 16 bytes
                // a node keeps as its two prefix longs, with zero bytes that equal their padding.
                int pick = r.nextInt(8);
                byte[] k = new byte[pick < 2 ? 7 + r.nextInt(4) : pick < 4 ? 14 + r.nextInt(5) : 1 + r.nextInt(3)];
                int fixed = k.length > 12 ? k.length - 3 : 0; // long keys: a common start, then few choices
                for (int j = 0; j < k.length; j++) {
                    k[j] = j < fixed ? (byte) (j % 3 == 0 ? 0 : 'a')
                            : (byte) ("a\u0000\u00ff".charAt(r.nextInt(k.length > 3 ? 2 : 3)));
                }
                yield k;
            }
        };
    }

    private static byte[] value(Random r) {
        int kind = r.nextInt(20);
        int length = kind == 0 ? 0 : kind == 1 ? 300_000 + r.nextInt(1000) : kind == 2 ? 70_000 : r.nextInt(120);
        byte[] v = new byte[length];
        r.nextBytes(v);
        return v;
    }

    @Test
    void matchesAModelOfVersionsAcrossManyPagesAndBatchesThatRepeatKeys() {
        for (long seed = 1; seed <= 4; seed++) {
            Random r = new Random(seed);
            Memtable m = new Memtable();
            TreeMap<Ik, byte[]> model = new TreeMap<>(ORDER);
            long bytes = 0;
            long lsn = 0;
            long counter = 0;
            for (int round = 0; round < 3000; round++) {
                int mode = r.nextInt(3);
                List<WriteBatch.Op> ops = new ArrayList<>();
                int n = 1 + (r.nextInt(4) == 0 ? r.nextInt(6) : 0);
                for (int i = 0; i < n; i++) {
                    byte[] k = key(r, mode, counter++);
                    ops.add(new WriteBatch.Op(k, r.nextInt(5) == 0 ? null : value(r)));
                }
                if (r.nextInt(8) == 0) { // a batch in key order or against it (with any repeats of a key in it)
                    ops.sort((x, y) -> Arrays.compareUnsigned(x.key(), y.key()));
                    if (r.nextBoolean()) {
                        java.util.Collections.reverse(ops);
                    }
                }
                lsn++;
                m.apply(ops, lsn);
                for (WriteBatch.Op op : ops) {
                    model.put(new Ik(op.key(), lsn), op.isDelete() ? null : op.value()); // a later op replaces
                }
            }
            for (Map.Entry<Ik, byte[]> e : model.entrySet()) {
                bytes += Memtable.ENTRY_OVERHEAD + e.getKey().key.length
                        + (e.getValue() == null ? 0 : e.getValue().length);
            }
            assertThat(m.bytes()).isEqualTo(bytes);
            assertThat(m.lastSequence()).isEqualTo(lsn);
            // Full iteration: exactly the model, in order.
            List<Map.Entry<Ik, byte[]>> expected = new ArrayList<>(model.entrySet());
            int i = 0;
            try (InternalIterator it = m.iterator()) {
                for (it.seekToFirst(); it.valid(); it.next(), i++) {
                    Map.Entry<Ik, byte[]> e = expected.get(i);
                    assertThat(it.key()).isEqualTo(e.getKey().key);
                    assertThat(it.sequence()).isEqualTo(e.getKey().seq);
                    assertThat(it.kind()).isEqualTo(e.getValue() == null ? EntryKind.DELETE : EntryKind.PUT);
                    assertThat(it.value()).isEqualTo(e.getValue());
                }
            }
            assertThat(i).isEqualTo(expected.size());
            flushedTableHoldsTheNewestVersionOfEachKey(m, model, seed);
            // Gets at random sequences and seeks at random keys.
            for (int q = 0; q < 2000; q++) {
                byte[] k = r.nextBoolean() ? expected.get(r.nextInt(expected.size())).getKey().key : key(r, 2, 0);
                long at = r.nextInt((int) lsn + 2);
                Map.Entry<Ik, byte[]> want = model.ceilingEntry(new Ik(k, at));
                Memtable.Hit hit = m.get(k, at);
                if (want == null || !Arrays.equals(want.getKey().key, k)) {
                    assertThat(hit).isNull();
                } else {
                    assertThat(hit).isNotNull();
                    assertThat(hit.kind()).isEqualTo(want.getValue() == null ? EntryKind.DELETE : EntryKind.PUT);
                    assertThat(hit.value()).isEqualTo(want.getValue());
                }
                Map.Entry<Ik, byte[]> first = model.ceilingEntry(new Ik(k, Long.MAX_VALUE));
                try (InternalIterator it = m.iterator()) {
                    it.seek(k);
                    assertThat(it.valid()).isEqualTo(first != null);
                    if (first != null) {
                        assertThat(it.key()).isEqualTo(first.getKey().key);
                        assertThat(it.sequence()).isEqualTo(first.getKey().seq);
                    }
                }
            }
        }
    }

    /** A flush ({@link Memtable#writeNewestTo}) writes exactly the newest version of each key of the model. */
    private static void flushedTableHoldsTheNewestVersionOfEachKey(Memtable m, TreeMap<Ik, byte[]> model, long seed) {
        List<Map.Entry<Ik, byte[]>> newest = new ArrayList<>();
        for (Map.Entry<Ik, byte[]> e : model.entrySet()) {
            if (newest.isEmpty() || !Arrays.equals(newest.get(newest.size() - 1).getKey().key, e.getKey().key)) {
                newest.add(e);
            }
        }
        try {
            SimulatedDisk disk = new SimulatedDisk();
            disk.createDirectories(SstTables.DIR);
            Path file = SstTables.DIR.resolve("000007.sst");
            SstMeta meta;
            try (SstWriter w = SstWriter.create(disk, file, SstOptions.defaults().withBlockBytes(512))) {
                assertThat(m.writeNewestTo(w)).isEqualTo(newest.size());
                meta = w.finish();
            }
            assertThat(meta.entries()).as("seed %d", seed).isEqualTo(newest.size());
            assertThat(meta.smallestKey()).isEqualTo(newest.get(0).getKey().key);
            assertThat(meta.largestKey()).isEqualTo(newest.get(newest.size() - 1).getKey().key);
            try (SstReader r = SstReader.open(disk, file, 7, null); InternalIterator it = r.iterator(false)) {
                int i = 0;
                for (it.seekToFirst(); it.valid(); it.next(), i++) {
                    Map.Entry<Ik, byte[]> e = newest.get(i);
                    assertThat(it.key()).isEqualTo(e.getKey().key);
                    assertThat(it.sequence()).isEqualTo(e.getKey().seq);
                    assertThat(it.kind()).isEqualTo(e.getValue() == null ? EntryKind.DELETE : EntryKind.PUT);
                    assertThat(it.value()).isEqualTo(e.getValue());
                }
                assertThat(i).isEqualTo(newest.size());
                for (Map.Entry<Ik, byte[]> e : newest) { // the bloom filter holds every key
                    assertThat(r.get(e.getKey().key, Long.MAX_VALUE)).isNotNull();
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theKeyFilterPassesEveryKeyAddedAndRejectsMostOthers() {
        // Sized for a 1 MiB budget (16 K keys of the overhead alone); filled with 10 000 keys of 16 bytes whose first
        // 8 are zero, like kvbench's.
        Memtable m = new Memtable(1 << 20);
        Random r = new Random(17);
        long lsn = 0;
        for (int i = 0; i < 10_000; i++) {
            m.apply(List.of(new WriteBatch.Op(ByteBuffer.allocate(16).putLong(0).putLong(2L * i).array(),
                    r.nextBoolean() ? null : new byte[r.nextInt(20)])), ++lsn);
        }
        int passed = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] present = ByteBuffer.allocate(16).putLong(0).putLong(2L * i).array();
            assertThat(m.mayContain(BloomHash.xxh64(present))).as("key %d", i).isTrue();
            assertThat(m.get(present, lsn)).isNotNull();
            byte[] absent = ByteBuffer.allocate(16).putLong(0).putLong(2L * i + 1).array();
            if (m.mayContain(BloomHash.xxh64(absent))) {
                passed++;
            } else {
                assertThat(m.get(absent, BloomHash.xxh64(absent), lsn)).isNull();
            }
        }
        assertThat(passed).as("absent keys the filter let through").isLessThan(300);
    }

    @Test
    void anEmptyMemtableHasNoEntries() {
        Memtable m = new Memtable();
        assertThat(m.isEmpty()).isTrue();
        assertThat(m.get(new byte[] {1}, Long.MAX_VALUE)).isNull();
        try (InternalIterator it = m.iterator()) {
            it.seekToFirst();
            assertThat(it.valid()).isFalse();
            it.seek(new byte[] {0});
            assertThat(it.valid()).isFalse();
        }
        m.apply(List.of(new WriteBatch.Op(new byte[] {1}, null)), 1);
        assertThat(m.isEmpty()).isFalse();
    }

    private static byte[] keyOf(long k) {
        // Scrambled order, so inserts land all over the list, not only at its end.
        return ByteBuffer.allocate(8).putLong(Long.reverse(k * 0x9E3779B97F4A7C15L)).array();
    }

    private static byte[] valueOf(long seq) {
        return ByteBuffer.allocate(8 + (int) (seq % 40)).putLong(seq).array();
    }

    /**
     * One writer applies record i = 1..N (key i mod K, every third round of keys a tombstone) and publishes i after
     * applying it, like the store's visible sequence; readers meanwhile get random keys at the published sequence
     * (the answer is computable: the last i' <= S with i' mod K = k) and scan the whole list (strict order, every
     * published record present, every entry's key and value consistent with its sequence).
     */
    @Test
    void readersSeeExactlyThePublishedRecordsWhileOneWriterInserts() throws Exception {
        final int keys = 5_000;
        final long records = 120_000;
        Memtable m = new Memtable();
        AtomicLong published = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> readers = new ArrayList<>();
        AtomicLongArray checks = new AtomicLongArray(3);
        for (int t = 0; t < 3; t++) {
            final int id = t;
            Thread reader = new Thread(() -> {
                Random r = new Random(id);
                try {
                    start.await();
                    while (!done.get() && failure.get() == null) {
                        long s = published.get();
                        if (id == 0) {
                            checkScan(m, s, keys);
                        } else {
                            for (int q = 0; q < 200; q++) {
                                checkGet(m, s, r.nextInt(keys), keys);
                            }
                        }
                        checks.incrementAndGet(id);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            reader.start();
            readers.add(reader);
        }
        start.countDown();
        for (long i = 1; i <= records; i++) {
            long k = i % keys;
            boolean delete = (i / keys) % 3 == 2;
            m.apply(List.of(new WriteBatch.Op(keyOf(k), delete ? null : valueOf(i))), i);
            published.set(i);
            if (i == records / 2) {
                // Halfway, until every reader has checked at least once: reads surely overlap the writes.
                long deadline = System.nanoTime() + 30_000_000_000L;
                while ((checks.get(0) == 0 || checks.get(1) == 0 || checks.get(2) == 0) && failure.get() == null
                        && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            }
            if (failure.get() != null) {
                break;
            }
        }
        done.set(true);
        for (Thread reader : readers) {
            reader.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("a reader failed", failure.get());
        }
        checkScan(m, records, keys);
        for (int k = 0; k < keys; k++) {
            checkGet(m, records, k, keys);
        }
    }

    private static void checkGet(Memtable m, long s, long k, int keys) {
        long expected = s - Math.floorMod(s - k, keys);
        Memtable.Hit hit = m.get(keyOf(k), s);
        if (expected < 1) {
            assertThat(hit).as("key %d at %d", k, s).isNull();
            return;
        }
        assertThat(hit).as("key %d at %d", k, s).isNotNull();
        if ((expected / keys) % 3 == 2) {
            assertThat(hit.kind()).isEqualTo(EntryKind.DELETE);
        } else {
            assertThat(hit.kind()).isEqualTo(EntryKind.PUT);
            assertThat(hit.value()).isEqualTo(valueOf(expected));
        }
    }

    private static void checkScan(Memtable m, long s, int keys) {
        byte[] prevKey = null;
        long prevSeq = 0;
        long seen = 0;
        try (InternalIterator it = m.iterator()) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                long seq = it.sequence();
                byte[] key = it.key();
                if (prevKey != null) {
                    assertThat(EntryKind.compare(prevKey, prevSeq, key, seq)).isNegative();
                }
                assertThat(key).isEqualTo(keyOf(seq % keys));
                boolean delete = (seq / keys) % 3 == 2;
                assertThat(it.kind()).isEqualTo(delete ? EntryKind.DELETE : EntryKind.PUT);
                if (!delete) {
                    assertThat(it.value()).isEqualTo(valueOf(seq));
                }
                if (seq <= s) {
                    seen++;
                }
                prevKey = key;
                prevSeq = seq;
            }
        }
        assertThat(seen).isEqualTo(s);
    }
}
