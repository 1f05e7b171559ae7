package io.durakv.bitcask;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToIntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Review of round 5's key directory (one probe per write, {@link KeyDir#findOrSlot} then {@link KeyDir#insertAt};
 * the word-at-a-time hash; {@link KeyDir#prefetch}).
 */
class KeyDirRound5ReviewTest {

    private record Loc(long lsn, long location, int size) {
    }

    /**
     * A pool of keys built to stress the hash and the inline keys: every length 0..40, keys differing only in the last
     * byte, all-zero keys differing only in length, and keys that are zero-padded versions of shorter ones (which pack
     * to the same inline longs and differ only in their length).
     */
    private static List<byte[]> pool() {
        List<byte[]> keys = new ArrayList<>();
        for (int length = 0; length <= 40; length++) {
            byte[] zero = new byte[length];
            keys.add(zero);
            if (length > 0) {
                byte[] a = new byte[length];
                for (int i = 0; i < length; i++) {
                    a[i] = (byte) ('a' + i);
                }
                keys.add(a);
                byte[] lastPlusOne = a.clone();
                lastPlusOne[length - 1]++;
                keys.add(lastPlusOne);
                byte[] lastFF = a.clone();
                lastFF[length - 1] = (byte) 0xFF;
                keys.add(lastFF);
                byte[] padded = Arrays.copyOf(a, length + 1); // a with a zero byte appended
                keys.add(padded);
                byte[] lead = new byte[length + 1]; // a with a zero byte in front
                System.arraycopy(a, 0, lead, 1, length);
                keys.add(lead);
            }
        }
        // Distinct keys only (the padded/lead variants of one length repeat others).
        Map<ByteBuffer, byte[]> distinct = new java.util.LinkedHashMap<>();
        for (byte[] k : keys) {
            distinct.putIfAbsent(ByteBuffer.wrap(k), k);
        }
        Random r = new Random(5);
        for (int i = 0; i < 200; i++) {
            byte[] k = new byte[r.nextInt(24)];
            r.nextBytes(k);
            distinct.putIfAbsent(ByteBuffer.wrap(k), k);
        }
        return new ArrayList<>(distinct.values());
    }

    /**
     * The store's write path (findOrSlot, then update, remove or insertAt) against a map, with hash functions that make
     * the probe chains as long and as tangled as they get: every key on one hash (also 0, the value an empty slot's
     * hash half has), hashes that differ only above the bits any table uses (one home slot, distinct hashes), a few
     * hashes, and the real hash. Phases of mostly inserts and mostly deletes grow the table from 16 slots and shrink it
     * again, so backward-shift deletion runs through collision chains that wrap the table's end. Between a findOrSlot
     * and its insertAt, another key is re-pointed (what a merge does to the directory); a delete of an absent key probes
     * (and may grow the table) without inserting. After every step the touched key and a random other one are looked
     * up; every 200 steps the whole pool is.
     */
    @Test
    void oneProbeWritesWithCollidingHashesMatchAMap() {
        List<byte[]> pool = pool();
        Map<ByteBuffer, Integer> index = new HashMap<>();
        for (int i = 0; i < pool.size(); i++) {
            index.put(ByteBuffer.wrap(pool.get(i)), i);
        }
        List<ToIntFunction<byte[]>> hashes = List.of(
                k -> 0x1234_5678,
                k -> 0,
                k -> index.get(ByteBuffer.wrap(k)) << 16, // distinct hashes, one home slot in every table this reaches
                k -> (index.get(ByteBuffer.wrap(k)) % 5) * 0x0101_0101,
                KeyDir::hash);
        for (int variant = 0; variant < hashes.size(); variant++) {
            ToIntFunction<byte[]> hash = hashes.get(variant);
            Random rnd = new Random(1000 + variant);
            KeyDir dir = new KeyDir();
            Map<ByteBuffer, Loc> model = new HashMap<>();
            int steps = variant == hashes.size() - 1 ? 40_000 : 12_000; // full collisions cost O(n) a probe
            for (int step = 0; step < steps; step++) {
                boolean inserting = (step / 2000) % 2 == 0;
                byte[] key = pool.get(rnd.nextInt(pool.size()));
                ByteBuffer k = ByteBuffer.wrap(key);
                int h = hash.applyAsInt(key);
                String at = "variant " + variant + " step " + step;
                if (rnd.nextInt(100) < (inserting ? 20 : 75)) {
                    int e = dir.findOrSlot(key, h); // as applyOp does for a delete: may grow, inserts nothing
                    assertThat(e >= 0).as(at).isEqualTo(model.containsKey(k));
                    if (e >= 0) {
                        dir.remove(e);
                    }
                    model.remove(k);
                } else {
                    Loc l = new Loc(step + 1, rnd.nextLong() & Long.MAX_VALUE, rnd.nextInt(1 << 20));
                    int e = dir.findOrSlot(key, h);
                    assertThat(e >= 0).as(at).isEqualTo(model.containsKey(k));
                    if (e >= 0) {
                        assertThat(new Loc(dir.lsn(e), dir.location(e), dir.opSize(e))).as(at).isEqualTo(model.get(k));
                        dir.update(e, l.lsn, l.location, l.size);
                    } else {
                        // A merge's re-pointing of another key in between changes no slot: the slot stays right.
                        if (!model.isEmpty() && rnd.nextBoolean()) {
                            ByteBuffer other = model.keySet().iterator().next();
                            int o = dir.find(other.array(), hash.applyAsInt(other.array()));
                            Loc moved = new Loc(model.get(other).lsn, rnd.nextLong() & Long.MAX_VALUE, 7);
                            dir.update(o, moved.lsn, moved.location, moved.size);
                            model.put(other, moved);
                        }
                        int added = dir.insertAt(-e - 1, key, h, l.lsn, l.location, l.size);
                        assertThat(dir.find(key, h)).as(at).isEqualTo(added);
                        assertThat(dir.key(added)).as(at).isEqualTo(key);
                    }
                    model.put(k, l);
                }
                assertThat(dir.find(key, h) >= 0).as(at).isEqualTo(model.containsKey(k));
                byte[] other = pool.get(rnd.nextInt(pool.size()));
                check(dir, hash, model, other, at);
                if (step % 200 == 199) {
                    assertThat(dir.size()).as(at).isEqualTo(model.size());
                    for (byte[] p : pool) {
                        check(dir, hash, model, p, at);
                    }
                }
            }
        }
    }

    private static void check(KeyDir dir, ToIntFunction<byte[]> hash, Map<ByteBuffer, Loc> model, byte[] key,
                              String at) {
        int e = dir.find(key, hash.applyAsInt(key));
        Loc want = model.get(ByteBuffer.wrap(key));
        if (want == null) {
            assertThat(e).as("%s: absent key %s", at, Arrays.toString(key)).isNegative();
        } else {
            assertThat(e).as("%s: present key %s", at, Arrays.toString(key)).isNotNegative();
            assertThat(new Loc(dir.lsn(e), dir.location(e), dir.opSize(e))).as(at).isEqualTo(want);
            assertThat(dir.key(e)).as(at).isEqualTo(key);
            assertThat(dir.compareKey(e, key)).as(at).isZero();
        }
    }

    /**
     * {@link KeyDir#prefetch} reads without any lock, and its contract is that "a torn or stale view only makes it load
     * the wrong place". A writer growing the entries publishes the longer page array before it stores the new page in
     * it ({@code entries = copyOf(...); entries[last] = page}); a thread without a happens-before edge (a put on another
     * thread prefetching while the apply inserts its first key of a new page) may see the slot of that new entry and
     * the longer array with the page still null. Prefetch must not throw there: it runs in {@code put} and
     * {@code delete}, outside any try, so an exception would fail a write that did nothing wrong.
     */
    @Test
    void prefetchOnATornViewOfANewEntryPageDoesNotThrow() throws Exception {
        KeyDir dir = new KeyDir();
        byte[] key = "k".getBytes();
        int h = KeyDir.hash(key);
        dir.insert(key, 1, 1, 1);
        Field entries = KeyDir.class.getDeclaredField("entries");
        entries.setAccessible(true);
        Field table = KeyDir.class.getDeclaredField("table");
        table.setAccessible(true);
        // The view in the middle of newEntry for entry 4096 (the first of page 1), its slot already visible.
        long[][] pages = (long[][]) entries.get(dir);
        entries.set(dir, Arrays.copyOf(pages, pages.length + 1));
        long[] t = (long[]) table.get(dir);
        int other = h + 1; // another key's hash, in the next slot
        t[other & (t.length - 1)] = ((long) other << 32) | (4096 + 1L);
        assertThatCode(() -> dir.prefetch(other)).doesNotThrowAnyException();
        assertThatCode(() -> dir.prefetch(h)).doesNotThrowAnyException();
    }
}
