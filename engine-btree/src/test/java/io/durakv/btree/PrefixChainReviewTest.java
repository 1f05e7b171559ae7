package io.durakv.btree;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of round 5's word indexes at their edges, through whole stores: keys that are all prefixes of one another
 * (the empty key, then one byte more each, up to the maximum key size) of 0x00, 0x7F, 0x80 and 0xFF bytes, so that
 * every word is padded or all-ones, leaves share prefixes longer than 8 bytes and separators reach the maximum size;
 * each key is read on a first miss, a second miss (admitted) and from the word index (third search), after a
 * checkpoint (clean decoded leaves) and after a reopen, and seeks start from every key and from the absent keys
 * between them. And two stores of different page sizes read on one thread, inside each other's open scans (the
 * thread's one heap buffer).
 */
class PrefixChainReviewTest {

    private static final byte[] FILLS = {0x00, 0x7F, (byte) 0x80, (byte) 0xFF};

    private static BTreeStore open(SimulatedDisk disk, java.nio.file.Path dir, int page) {
        return Stores.open(disk, dir, "btree.pageBytes", String.valueOf(page), "btree.cacheBytes",
                String.valueOf(64 << 10));
    }

    private static TreeMap<byte[], byte[]> chains(int maxKey) {
        TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        for (byte fill : FILLS) {
            for (int len = 0; len <= maxKey; len++) {
                byte[] k = new byte[len];
                Arrays.fill(k, fill);
                model.put(k, Stores.filled(len % 23, len * 7 + fill));
            }
        }
        return model;
    }

    private static void load(BTreeStore s, TreeMap<byte[], byte[]> model) {
        WriteBatch b = new WriteBatch();
        int n = 0;
        for (var e : model.entrySet()) {
            b.put(e.getKey(), e.getValue());
            if (++n % 100 == 0) {
                s.write(b);
                b = new WriteBatch();
            }
        }
        s.write(b);
    }

    private static void checkAll(BTreeStore s, TreeMap<byte[], byte[]> model, String where) {
        for (var e : model.entrySet()) {
            for (int t = 0; t < 3; t++) { // first miss, admission, word index
                assertThat(s.get(e.getKey())).as("%s: get %s #%d", where, Arrays.toString(e.getKey()), t)
                        .isEqualTo(e.getValue());
            }
            byte[] absent = Arrays.copyOf(e.getKey(), e.getKey().length + 1);
            absent[absent.length - 1] = 0x01; // between the 0x00 chain's neighbours, or after a key
            if (absent.length <= s.maxKeyBytes()) {
                assertThat(s.get(absent)).as("%s: absent %s", where, Arrays.toString(absent))
                        .isEqualTo(model.get(absent));
            }
        }
        List<byte[]> keys = new ArrayList<>(model.keySet());
        for (int i = 0; i < keys.size(); i += 3) {
            byte[] from = keys.get(i);
            checkSeek(s, model, from, where);
            if (from.length < s.maxKeyBytes()) {
                byte[] after = Arrays.copyOf(from, from.length + 1); // a 0x00 appended: absent unless a 0x00 chain
                checkSeek(s, model, after, where);
            }
        }
    }

    private static void checkSeek(BTreeStore s, TreeMap<byte[], byte[]> model, byte[] from, String where) {
        var want = model.tailMap(from, true).entrySet().iterator();
        try (KeyValueIterator it = s.scan(from, null)) {
            for (int n = 0; n < 12 && want.hasNext(); n++) {
                var e = want.next();
                assertThat(it.hasNext()).isTrue();
                KeyValue kv = it.next();
                assertThat(kv.key()).as("%s: seek %s, entry %d", where, Arrays.toString(from), n)
                        .isEqualTo(e.getKey());
                assertThat(kv.value()).isEqualTo(e.getValue());
            }
            if (!want.hasNext()) {
                assertThat(it.hasNext()).as("%s: seek %s ends", where, Arrays.toString(from)).isFalse();
            }
        }
    }

    @Test
    void keysThatArePrefixesOfOneAnotherAreFoundOnEveryReadPath() {
        SimulatedDisk disk = new SimulatedDisk();
        TreeMap<byte[], byte[]> model;
        try (BTreeStore s = open(disk, Stores.DIR, 1024)) {
            model = chains(s.maxKeyBytes());
            load(s, model);
            checkAll(s, model, "dirty");
            s.checkpointNow();
            checkAll(s, model, "checkpointed");
        }
        try (BTreeStore s = open(disk, Stores.DIR, 1024)) {
            checkAll(s, model, "reopened");
            // Overwrite and delete every other key of each chain (cached leaves replaced, split and merged).
            int i = 0;
            for (byte[] k : new ArrayList<>(model.keySet())) {
                if (i++ % 2 == 0) {
                    s.delete(k);
                    model.remove(k);
                } else {
                    byte[] v = Stores.filled(i % 50, i);
                    s.put(k, v);
                    model.put(k, v);
                }
            }
            checkAll(s, model, "rewritten");
            s.checkpointNow();
            checkAll(s, model, "rewritten, checkpointed");
            s.verify();
        }
        try (BTreeStore s = open(disk, Stores.DIR, 1024)) {
            checkAll(s, model, "rewritten, reopened");
        }
    }

    @Test
    void aRootLeafOfFewKeysIsSearchedRightBelowAtAndAboveTheWordIndexThreshold() {
        for (int n : new int[]{1, 2, 7, 8, 9, 16}) {
            SimulatedDisk disk = new SimulatedDisk();
            TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
            try (BTreeStore s = open(disk, Stores.DIR, 1024)) {
                // Keys sharing a 10-byte prefix, some of them prefixes of others, differing past the word.
                for (int i = 0; model.size() < n; i++) {
                    byte[] k = new byte[10 + (i % 3 == 0 ? 0 : 8 + i % 5)];
                    Arrays.fill(k, (byte) 0x80);
                    if (k.length > 10) {
                        Arrays.fill(k, 10, 18, (byte) 0xFF);
                        k[k.length - 1] = (byte) (i * 37);
                    }
                    model.put(k, Stores.filled(i % 9, i));
                }
                for (var e : model.entrySet()) {
                    s.put(e.getKey(), e.getValue());
                }
                checkAll(s, model, n + " keys, dirty root leaf");
            }
            try (BTreeStore s = open(disk, Stores.DIR, 1024)) {
                assertThat(s.root().isLeaf()).isTrue();
                checkAll(s, model, n + " keys, clean root leaf");
                byte[] shorter = new byte[9];
                Arrays.fill(shorter, (byte) 0x80);
                assertThat(s.get(shorter)).as("a key shorter than the shared prefix").isNull();
                assertThat(s.get(new byte[0])).as("the empty key").isNull();
                byte[] above = new byte[10];
                Arrays.fill(above, (byte) 0x81);
                assertThat(s.get(above)).as("a key above the shared prefix").isNull();
                checkSeek(s, model, shorter, n + " keys");
                checkSeek(s, model, above, n + " keys");
            }
        }
    }

    @Test
    void storesOfDifferentPageSizesReadOnOneThreadInsideEachOthersScans() {
        SimulatedDisk disk = new SimulatedDisk();
        try (BTreeStore small = open(disk, Stores.DIR.resolve("small"), 1024);
             BTreeStore large = open(disk, Stores.DIR.resolve("large"), 65536)) {
            TreeMap<byte[], byte[]> a = chains(small.maxKeyBytes());
            TreeMap<byte[], byte[]> b = new TreeMap<>(Arrays::compareUnsigned);
            for (int i = 0; i < 6000; i++) {
                b.put(Stores.bytes(String.format("large/%06d", i)), Stores.filled(200 + i % 90, i));
            }
            load(small, a);
            load(large, b);
        }
        try (BTreeStore small = open(disk, Stores.DIR.resolve("small"), 1024);
             BTreeStore large = open(disk, Stores.DIR.resolve("large"), 65536)) {
            TreeMap<byte[], byte[]> a = chains(small.maxKeyBytes());
            List<byte[]> aKeys = new ArrayList<>(a.keySet());
            for (int round = 0; round < 3; round++) {
                try (KeyValueIterator sa = small.scan(null, null);
                     KeyValueIterator sb = large.scan(null, null)) {
                    int i = 0;
                    var wantA = a.entrySet().iterator();
                    while (wantA.hasNext()) {
                        var e = wantA.next();
                        KeyValue kv = sa.next();
                        assertThat(kv.key()).isEqualTo(e.getKey());
                        assertThat(kv.value()).isEqualTo(e.getValue());
                        assertThat(sb.hasNext()).isTrue();
                        KeyValue kb = sb.next();
                        assertThat(kb.key()).isEqualTo(Stores.bytes(String.format("large/%06d", i)));
                        assertThat(kb.value()).isEqualTo(Stores.filled(200 + i % 90, i));
                        byte[] k = aKeys.get((i * 37 + round) % aKeys.size());
                        assertThat(small.get(k)).as("small get inside scans").isEqualTo(a.get(k));
                        int j = (i * 101 + round * 7) % 6000;
                        assertThat(large.get(Stores.bytes(String.format("large/%06d", j)))).as("large get %d", j)
                                .isEqualTo(Stores.filled(200 + j % 90, j));
                        i++;
                    }
                    assertThat(sa.hasNext()).isFalse();
                }
            }
        }
    }
}
