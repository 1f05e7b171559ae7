package io.durakv.bitcask;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The key directory against a {@link HashMap} model, and its memory per key. */
class KeyDirTest {

    private record Loc(long lsn, long location, int size) {
    }

    @Test
    void randomInsertsUpdatesAndRemovesMatchAMap() {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        KeyDir dir = new KeyDir();
        Map<ByteBuffer, Loc> model = new HashMap<>();
        for (int step = 0; step < 300_000; step++) {
            byte[] key = new byte[rnd.nextInt(3) == 0 ? rnd.nextInt(300) : rnd.nextInt(6)];
            rnd.nextBytes(key);
            if (key.length > 0) {
                key[0] = (byte) rnd.nextInt(40); // a small key space, so that updates and removes hit
            }
            ByteBuffer k = ByteBuffer.wrap(key);
            int e = dir.find(key);
            assertThat(e >= 0).as("seed %d step %d", seed, step).isEqualTo(model.containsKey(k));
            if (rnd.nextInt(3) == 0) {
                if (e >= 0) {
                    dir.remove(e);
                    model.remove(k);
                }
            } else {
                Loc l = new Loc(step + 1, rnd.nextLong() & Long.MAX_VALUE, rnd.nextInt(1 << 20));
                if (e >= 0) {
                    dir.update(e, l.lsn, l.location, l.size);
                } else {
                    dir.insert(key, l.lsn, l.location, l.size);
                }
                model.put(k, l);
            }
        }
        assertThat(dir.size()).isEqualTo(model.size());
        int live = 0;
        for (int e = 0; e < dir.limit(); e++) {
            if (dir.isLive(e)) {
                live++;
                Loc l = model.get(ByteBuffer.wrap(dir.key(e)));
                assertThat(l).as("seed %d: entry %d", seed, e).isNotNull();
                assertThat(new Loc(dir.lsn(e), dir.location(e), dir.opSize(e))).isEqualTo(l);
            }
        }
        assertThat(live).isEqualTo(model.size());
        for (Map.Entry<ByteBuffer, Loc> m : model.entrySet()) {
            int e = dir.find(m.getKey().array());
            assertThat(e).isNotNegative();
            assertThat(Arrays.equals(dir.key(e), m.getKey().array())).isTrue();
        }
    }

    /**
     * The one-probe write path ({@link KeyDir#findOrSlot}, then {@link KeyDir#update} or {@link KeyDir#insertAt}),
     * as the store applies a write, against a map: through every growth of the table from its first 16 slots (the
     * slot comes back after the growth it may cause), with removals shrinking it, and keys in the entry and in the
     * arena.
     */
    @Test
    void oneProbeWritesMatchAMapThroughGrowthAndShrinking() {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        KeyDir dir = new KeyDir();
        Map<ByteBuffer, Loc> model = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            byte[] key = new byte[step % 5 == 0 ? 17 + rnd.nextInt(40) : 1 + rnd.nextInt(16)];
            rnd.nextBytes(key);
            key[0] = (byte) rnd.nextInt(step < 100_000 ? 250 : 4); // first many new keys, then mostly existing ones
            ByteBuffer k = ByteBuffer.wrap(key);
            int h = KeyDir.hash(key);
            if (step >= 150_000 && rnd.nextBoolean()) {
                int e = dir.find(key, h);
                if (e >= 0) {
                    dir.remove(e);
                }
                assertThat(model.remove(k) != null).as("seed %d step %d", seed, step).isEqualTo(e >= 0);
                continue;
            }
            Loc l = new Loc(step + 1, rnd.nextLong() & Long.MAX_VALUE, rnd.nextInt(1 << 20));
            int e = dir.findOrSlot(key, h);
            assertThat(e >= 0).as("seed %d step %d", seed, step).isEqualTo(model.containsKey(k));
            if (e >= 0) {
                assertThat(new Loc(dir.lsn(e), dir.location(e), dir.opSize(e))).isEqualTo(model.get(k));
                dir.update(e, l.lsn, l.location, l.size);
            } else {
                int added = dir.insertAt(-e - 1, key, h, l.lsn, l.location, l.size);
                assertThat(dir.find(key)).isEqualTo(added);
            }
            model.put(k, l);
        }
        assertThat(dir.size()).isEqualTo(model.size());
        for (Map.Entry<ByteBuffer, Loc> m : model.entrySet()) {
            int e = dir.find(m.getKey().array());
            assertThat(e).as("seed %d", seed).isNotNegative();
            assertThat(new Loc(dir.lsn(e), dir.location(e), dir.opSize(e))).isEqualTo(m.getValue());
        }
        // insert is findOrSlot and insertAt, and refuses a key already present
        byte[] present = model.keySet().iterator().next().array();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dir.insert(present, 1, 1, 1))
                .isInstanceOf(IllegalStateException.class);
    }

    /**
     * The hash spreads kvbench-style keys (a big-endian counter in the last 8 of 16 bytes, the rest zero) over the
     * low bits linear probing uses, and tells apart keys that differ in one byte anywhere or only in length.
     */
    @Test
    void theHashSpreadsCounterKeysAndSeesEveryByteAndTheLength() {
        int n = 1 << 20;
        int[] buckets = new int[1 << 16];
        java.util.Set<Integer> distinct = new java.util.HashSet<>();
        for (long i = 0; i < n; i++) {
            byte[] k = new byte[16];
            ByteBuffer.wrap(k).putLong(8, 2 * i);
            int h = KeyDir.hash(k);
            buckets[h & 0xFFFF]++;
            distinct.add(h);
        }
        int max = Arrays.stream(buckets).max().orElseThrow();
        int min = Arrays.stream(buckets).min().orElseThrow();
        assertThat(max).as("fullest of 65 536 buckets (mean 16)").isLessThanOrEqualTo(40);
        assertThat(min).as("emptiest bucket").isPositive();
        assertThat(distinct.size()).as("distinct 32-bit hashes of 2^20 keys (~128 collisions expected)")
                .isGreaterThan(n - 1000);
        for (int length : new int[]{1, 7, 8, 9, 16, 17, 31}) {
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            byte[] base = new byte[length];
            seen.add(KeyDir.hash(base));
            for (int at = 0; at < length; at++) {
                for (int bit = 0; bit < 8; bit++) {
                    byte[] k = base.clone();
                    k[at] ^= (byte) (1 << bit);
                    assertThat(seen.add(KeyDir.hash(k))).as("length %d, byte %d bit %d", length, at, bit).isTrue();
                }
            }
        }
        java.util.Set<Integer> byLength = new java.util.HashSet<>();
        for (int length = 0; length <= 40; length++) {
            assertThat(byLength.add(KeyDir.hash(new byte[length]))).as("zero key of %d bytes", length).isTrue();
        }
    }

    @Test
    void removingMostKeysCompactsTheArenaAndShrinksTheTable() {
        KeyDir dir = new KeyDir();
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            dir.insert(("key-" + i).getBytes(), i + 1, i, 10);
        }
        long full = dir.overheadBytes(0);
        for (int i = 0; i < n; i++) {
            if (i % 10 != 0) {
                dir.remove(dir.find(("key-" + i).getBytes()));
            }
        }
        assertThat(dir.size()).isEqualTo(n / 10);
        assertThat(dir.overheadBytes(0)).isLessThan(full);
        for (int i = 0; i < n; i += 10) {
            int e = dir.find(("key-" + i).getBytes());
            assertThat(dir.lsn(e)).isEqualTo(i + 1);
        }
        for (int i = 0; i < n; i++) { // entries freed above are reused
            if (i % 10 != 0) {
                dir.insert(("key-" + i).getBytes(), i + 1, i, 10);
            }
        }
        assertThat(dir.limit()).isEqualTo(n);
    }

    /**
     * Keys of up to 16 bytes live in their entry, zero-padded: keys that differ only by trailing zero bytes stay
     * distinct, come back whole, and compare like {@code Arrays.compareUnsigned}, on both sides of the 16-byte line.
     */
    @Test
    void shortKeysInTheEntryKeepTheirLengthAndOrder() {
        KeyDir dir = new KeyDir();
        List<byte[]> keys = new ArrayList<>();
        for (int length = 0; length <= 20; length++) {
            keys.add(new byte[length]); // all zero: "", "\0", "\0\0", ...
            if (length > 0) {
                byte[] k = new byte[length];
                Arrays.fill(k, (byte) 0xFF);
                keys.add(k);
                byte[] t = new byte[length];
                t[0] = 'a';
                keys.add(t); // "a", "a\0", "a\0\0", ...
            }
        }
        for (int i = 0; i < keys.size(); i++) {
            dir.insert(keys.get(i), i + 1, i, 10);
        }
        for (int i = 0; i < keys.size(); i++) {
            byte[] k = keys.get(i);
            int e = dir.find(k);
            assertThat(e).as("key %d", i).isNotNegative();
            assertThat(dir.lsn(e)).isEqualTo(i + 1);
            assertThat(dir.key(e)).isEqualTo(k);
            for (byte[] other : keys) {
                assertThat(Integer.signum(dir.compareKey(e, other)))
                        .isEqualTo(Integer.signum(Arrays.compareUnsigned(k, other)));
            }
        }
        assertThat(dir.find(new byte[21])).isNegative();
        assertThat(dir.find(new byte[]{'b'})).isNegative();
    }

    /**
     * The memory goal: at most 64 bytes per key beyond the key's own bytes, measured at 1 M keys of 16 bytes from the
     * directory's arrays (entry pages, hash table, arena with its length prefixes and unused space).
     */
    @Test
    void oneMillionKeysCostAtMost64BytesPerKeyBeyondTheKeys() {
        KeyDir dir = new KeyDir();
        int n = 1_000_000;
        byte[] key = new byte[16];
        ByteBuffer b = ByteBuffer.wrap(key);
        for (int i = 0; i < n; i++) {
            b.putLong(0, 0x6b65792d00000000L).putLong(8, i * 0x9E3779B97F4A7C15L);
            dir.insert(key, i + 1, i, 100);
        }
        double perKey = dir.overheadBytes(16L * n) / (double) n;
        System.out.printf("key directory: %.1f bytes per key beyond the key's 16 bytes, at %d keys%n", perKey, n);
        assertThat(perKey).isLessThanOrEqualTo(64);
    }
}
