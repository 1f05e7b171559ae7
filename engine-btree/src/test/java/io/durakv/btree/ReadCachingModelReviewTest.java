package io.durakv.btree;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import static io.durakv.btree.Stores.DIR;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of round 5's read path (leaves cached on their second miss, first misses searched in the thread's heap
 * buffer, word indexes over cached and clean leaves, scans over leaves cached as page bytes): every read of a seeded
 * random workload is compared with a {@link TreeMap} model, on 1 KiB pages with the smallest cache (64 KiB), so that
 * leaves are missed, admitted, indexed and evicted all the time, and checkpoints rewrite cached leaves constantly.
 * Keys are made to defeat the word index: long shared prefixes, keys that are prefixes of one another, keys that
 * differ only after the 8 bytes past a prefix, the empty key, keys of the maximum size, 0x00 / 0x7F / 0x80 / 0xFF
 * bytes (signed-byte comparisons). Gets run on the same thread between the steps of open scans (the heap buffer
 * reused under a scan), and writes and checkpoints run while scans are open; the arrays a scan returns are
 * scribbled on.
 */
class ReadCachingModelReviewTest {

    private static final int PAGE = 1024;
    private static final byte[] NASTY = {0x00, 0x01, 0x7F, (byte) 0x80, (byte) 0xFE, (byte) 0xFF};

    private static BTreeStore open(SimulatedDisk disk) {
        return Stores.open(disk, DIR, "btree.pageBytes", String.valueOf(PAGE), "btree.cacheBytes",
                String.valueOf(64 << 10), "btree.checkpointBytes", String.valueOf(24 << 10));
    }

    private static byte[] nastyBytes(Random r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = r.nextInt(4) == 0 ? (byte) r.nextInt(256) : NASTY[r.nextInt(NASTY.length)];
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] r = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, r, at, p.length);
            at += p.length;
        }
        return r;
    }

    /** Keys of many shapes, most sharing one of a few long prefixes, some of them prefixes of others. */
    private static List<byte[]> keyPool(Random r, int maxKey, int count) {
        byte[][] prefixes = {
                new byte[0],
                new byte[9], // nine zero bytes
                filled((byte) 0xFF, 12),
                concat(Stores.bytes("user:"), filled((byte) 0x80, 11)),
                filled((byte) 0x7F, 3),
        };
        byte[][] words = {filled((byte) 0x00, 8), filled((byte) 0xFF, 8), Stores.bytes("abcdefgh")};
        List<byte[]> keys = new ArrayList<>();
        keys.add(new byte[0]);
        for (byte[] p : prefixes) {
            keys.add(p.clone());
        }
        while (keys.size() < count) {
            byte[] p = prefixes[r.nextInt(prefixes.length)];
            byte[] k;
            switch (r.nextInt(6)) {
                case 0 -> // differ only after the 8 bytes past the prefix
                        k = concat(p, words[r.nextInt(words.length)], nastyBytes(r, r.nextInt(4)));
                case 1 -> { // a prefix of another key in the pool, or extended by one byte
                    byte[] other = keys.get(r.nextInt(keys.size()));
                    k = r.nextBoolean() ? Arrays.copyOf(other, Math.max(0, other.length - 1 - r.nextInt(3)))
                            : concat(other, nastyBytes(r, 1 + r.nextInt(2)));
                }
                case 2 -> { // maximum size, or one less, with the last bytes varying
                    int len = maxKey - r.nextInt(2);
                    k = Arrays.copyOf(p, len);
                    Arrays.fill(k, p.length, len - 2, (byte) 0xFF);
                    k[len - 2] = NASTY[r.nextInt(NASTY.length)];
                    k[len - 1] = NASTY[r.nextInt(NASTY.length)];
                }
                default -> k = concat(p, nastyBytes(r, r.nextInt(13)));
            }
            if (k.length <= maxKey) {
                keys.add(k);
            }
        }
        return keys;
    }

    private static byte[] filled(byte b, int n) {
        byte[] r = new byte[n];
        Arrays.fill(r, b);
        return r;
    }

    private static byte[] value(Random r, long serial) {
        int n = r.nextInt(40) == 0 ? 300 + r.nextInt(2500) : r.nextInt(120); // some in overflow chains
        byte[] v = new byte[n];
        r.nextBytes(v);
        for (int i = 0; i < Math.min(8, n); i++) {
            v[i] = (byte) (serial >>> (8 * i));
        }
        return v;
    }

    private static String hex(byte[] k) {
        StringBuilder sb = new StringBuilder();
        for (byte b : k) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    private static List<byte[][]> expected(NavigableMap<byte[], byte[]> model, byte[] from, byte[] to) {
        NavigableMap<byte[], byte[]> m = model;
        if (from != null && to != null) {
            if (Arrays.compareUnsigned(from, to) >= 0) {
                return List.of();
            }
            m = model.subMap(from, true, to, false);
        } else if (from != null) {
            m = model.tailMap(from, true);
        } else if (to != null) {
            m = model.headMap(to, false);
        }
        List<byte[][]> r = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> e : m.entrySet()) {
            r.add(new byte[][]{e.getKey(), e.getValue()});
        }
        return r;
    }

    @Property(tries = 4, shrinking = ShrinkingMode.OFF)
    void everyReadAgreesWithTheModelWhileLeavesAreMissedAdmittedIndexedAndEvicted(@ForAll long seed) {
        Random r = new Random(seed);
        SimulatedDisk disk = new SimulatedDisk();
        TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        long serial = 0;
        BTreeStore s = open(disk);
        try {
            List<byte[]> keys = keyPool(r, s.maxKeyBytes(), 1200);
            // A tree many times the cache, all of it on disk after the reopen: every leaf starts as a miss.
            for (int i = 0; i < keys.size(); i += 100) {
                WriteBatch b = new WriteBatch();
                for (int j = i; j < Math.min(keys.size(), i + 100); j++) {
                    byte[] v = value(r, ++serial);
                    b.put(keys.get(j), v);
                    model.put(keys.get(j), v);
                }
                s.write(b);
            }
            s.close();
            s = open(disk);
            for (int op = 0; op < 1500; op++) {
                int roll = r.nextInt(100);
                byte[] k = keys.get(r.nextInt(keys.size()));
                String where = "seed " + seed + ", op " + op + ", key " + hex(k);
                if (roll < 25) {
                    byte[] v = value(r, ++serial);
                    s.put(k, v);
                    model.put(k, v);
                } else if (roll < 32) {
                    s.delete(k);
                    model.remove(k);
                } else if (roll < 62) {
                    byte[] probe = r.nextInt(5) == 0 && k.length < s.maxKeyBytes() ? concat(k, nastyBytes(r, 1)) : k;
                    assertThat(s.get(probe)).as(where).isEqualTo(model.get(probe));
                } else if (roll < 72) {
                    // The same leaf three times in a row: first miss, admission, word index.
                    for (int t = 0; t < 3; t++) {
                        assertThat(s.get(k)).as(where + ", repeat " + t).isEqualTo(model.get(k));
                    }
                } else if (roll < 88) {
                    scanAndCheck(s, model, keys, r, where);
                } else if (roll < 92) {
                    s.checkpointNow();
                } else if (roll < 93) {
                    s.close();
                    s = open(disk);
                } else {
                    WriteBatch b = new WriteBatch();
                    for (int j = 0; j < 1 + r.nextInt(20); j++) {
                        byte[] bk = keys.get(r.nextInt(keys.size()));
                        if (r.nextInt(4) == 0) {
                            b.delete(bk);
                            model.remove(bk);
                        } else {
                            byte[] v = value(r, ++serial);
                            b.put(bk, v);
                            model.put(bk, v);
                        }
                    }
                    s.write(b);
                }
            }
            for (byte[] k : keys) {
                assertThat(s.get(k)).as("final get %s", hex(k)).isEqualTo(model.get(k));
            }
            assertThat(collect(s, null, null)).as("final scan").hasSize(model.size());
            s.verify();
        } finally {
            s.close();
        }
    }

    private static List<byte[][]> collect(BTreeStore s, byte[] from, byte[] to) {
        List<byte[][]> out = new ArrayList<>();
        try (KeyValueIterator it = s.scan(from, to)) {
            while (it.hasNext()) {
                KeyValue kv = it.next();
                out.add(new byte[][]{kv.key(), kv.value()});
            }
        }
        return out;
    }

    /**
     * A scan of a random range checked against the model as of its opening, with gets (this thread's heap buffer),
     * writes and checkpoints between its steps.
     */
    private static void scanAndCheck(BTreeStore s, TreeMap<byte[], byte[]> model, List<byte[]> keys, Random r,
                                     String where) {
        byte[] from = r.nextInt(6) == 0 ? null : keys.get(r.nextInt(keys.size()));
        byte[] to = r.nextInt(3) == 0 ? null : keys.get(r.nextInt(keys.size()));
        if (from != null && from.length < s.maxKeyBytes() && r.nextInt(4) == 0) {
            from = concat(from, new byte[]{0}); // a seek to an absent key
        }
        List<byte[][]> want = expected(model, from, to);
        int limit = r.nextInt(4) == 0 ? want.size() : Math.min(want.size(), 1 + r.nextInt(80));
        boolean interleave = r.nextBoolean();
        try (KeyValueIterator it = s.scan(from, to)) {
            for (int i = 0; i < limit; i++) {
                assertThat(it.hasNext()).as(where + ", scan entry " + i + " of " + want.size()).isTrue();
                KeyValue kv = it.next();
                assertThat(hex(kv.key())).as(where + ", scan entry " + i).isEqualTo(hex(want.get(i)[0]));
                assertThat(kv.value()).as(where + ", scan value " + i).isEqualTo(want.get(i)[1]);
                // The arrays are the caller's (a seek's leaf read for the scan alone hands its own out): scribbling
                // on them changes nothing the store or a later read returns.
                Arrays.fill(kv.key(), (byte) 0x5A);
                Arrays.fill(kv.value(), (byte) 0x5A);
                if (interleave) {
                    byte[] g = keys.get(r.nextInt(keys.size()));
                    assertThat(s.get(g)).as(where + ", get during scan " + hex(g)).isEqualTo(model.get(g));
                    if (r.nextInt(10) == 0) {
                        byte[] v = new byte[r.nextInt(30)];
                        r.nextBytes(v);
                        s.put(g, v);
                        model.put(g, v);
                    }
                    if (r.nextInt(40) == 0) {
                        s.checkpointNow();
                    }
                }
            }
            if (limit == want.size()) {
                assertThat(it.hasNext()).as(where + ", scan ends after " + want.size()).isFalse();
            }
        }
    }
}
