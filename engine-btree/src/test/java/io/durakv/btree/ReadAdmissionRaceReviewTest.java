package io.durakv.btree;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.WriteBatch;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

import static io.durakv.btree.Stores.DIR;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of round 5's read path under concurrency: lookups that miss a leaf (first miss searched in the thread's heap
 * buffer, second miss admitted), hit it as page bytes or as a decoded node over its word index, race a writer that
 * rewrites, splits, merges and deletes those leaves, and checkpoints (explicit and by the dirty budget) that write
 * them to new pages, free the old ones and cache the written nodes, with the pool evicting all the time (64 KiB
 * cache, 1 KiB pages). Once a write is acknowledged, no reader may see an older value (or a value of another key, or
 * a torn one), and a scan opened after it must see it too.
 */
class ReadAdmissionRaceReviewTest {

    private static final int KEYS = 1200;
    private static final int WRITES = 12_000;
    private static final int READERS = 3;

    /** Keys sharing a 20-byte prefix and an 8-byte word: they differ only after the word index's 8 bytes. */
    private static byte[] key(int k) {
        byte[] b = new byte[20 + 8 + 2];
        Arrays.fill(b, 0, 20, (byte) 0x80);
        Arrays.fill(b, 20, 28, (byte) 0xFF);
        b[28] = (byte) (k >>> 8);
        b[29] = (byte) k;
        return b;
    }

    private static int keyId(byte[] key) {
        return ((key[28] & 0xFF) << 8) | (key[29] & 0xFF);
    }

    /** [key id u32][round u64][filler][crc32 of all before]: some long enough for an overflow chain. */
    private static byte[] value(int k, long round) {
        int filler = (int) ((k * 31L + round * 7) % 13 == 0 ? 900 + (round % 700) : (k + round) % 60);
        ByteBuffer b = ByteBuffer.allocate(12 + filler + 4);
        b.putInt(k).putLong(round);
        for (int i = 0; i < filler; i++) {
            b.put((byte) (k ^ round ^ i));
        }
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, 12 + filler);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** @return the round a well-formed value of key {@code k} was written by; fails on a torn or foreign value */
    private static long roundOf(int k, byte[] v) {
        assertThat(v.length).as("value length of key %d", k).isGreaterThanOrEqualTo(16);
        ByteBuffer b = ByteBuffer.wrap(v);
        CRC32 crc = new CRC32();
        crc.update(v, 0, v.length - 4);
        assertThat(b.getInt(v.length - 4)).as("value checksum of key %d", k).isEqualTo((int) crc.getValue());
        assertThat(b.getInt(0)).as("value of key %d names its key", k).isEqualTo(k);
        long round = b.getLong(4);
        assertThat(v).as("value of key %d round %d", k, round).isEqualTo(value(k, round));
        return round;
    }

    /**
     * state[k]: 2 * round for a put acknowledged at {@code round}, 2 * round + 1 for a delete; set after the call
     * returned. writes[k]: odd while a write of key k is under way, raised before it starts and after state[k] is set.
     * A read after reading state[k] ({@code before}) must see that write or a later one: a value at least that new,
     * and no value only if that write was a delete or another write of the key was under way ({@code quiet} false).
     */
    private static void checkRead(int k, long before, boolean quiet, byte[] v, String where) {
        long round = before >>> 1;
        boolean deleted = (before & 1) == 1;
        if (v == null) {
            assertThat(deleted || !quiet).as("%s: key %d was put in round %d and not written since", where,
                    k, round).isTrue();
        } else if (deleted) {
            assertThat(roundOf(k, v)).as("%s: key %d was deleted in round %d", where, k, round)
                    .isGreaterThan(round);
        } else {
            assertThat(roundOf(k, v)).as("%s: key %d was put in round %d", where, k, round)
                    .isGreaterThanOrEqualTo(round);
        }
    }

    @Test
    void noReaderSeesAnOlderValueThanAnAcknowledgedWrite() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        String[] props = {"btree.pageBytes", "1024", "btree.cacheBytes", String.valueOf(64 << 10),
                "btree.checkpointBytes", String.valueOf(32 << 10)};
        try (BTreeStore s = Stores.open(disk, DIR, props)) {
            for (int i = 0; i < KEYS; i += 100) {
                WriteBatch b = new WriteBatch();
                for (int k = i; k < i + 100; k++) {
                    b.put(key(k), value(k, 0));
                }
                s.write(b);
            }
        }
        AtomicLongArray state = new AtomicLongArray(KEYS); // round 0: put
        AtomicLongArray writes = new AtomicLongArray(KEYS);
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (BTreeStore s = Stores.open(disk, DIR, props)) {
            Thread writer = new Thread(() -> {
                try {
                    Random r = new Random(41);
                    for (long round = 1; round <= WRITES && failure.get() == null; round++) {
                        // Runs of neighbouring keys: leaves split, and empty and merge when deleted.
                        int k = r.nextInt(10) < 3 ? (int) ((round * 3) % KEYS) : r.nextInt(KEYS);
                        writes.incrementAndGet(k);
                        if (r.nextInt(5) == 0) {
                            s.delete(key(k));
                            state.set(k, 2 * round + 1);
                        } else {
                            s.put(key(k), value(k, round));
                            state.set(k, 2 * round);
                        }
                        writes.incrementAndGet(k);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.set(true);
                }
            }, "writer");
            Thread checkpoints = new Thread(() -> {
                try {
                    for (int i = 0; i < 400 && !done.get() && failure.get() == null; i++) {
                        s.checkpointNow();
                        Thread.yield();
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "checkpoints");
            Thread[] readers = new Thread[READERS];
            for (int n = 0; n < READERS; n++) {
                int seed = n;
                readers[n] = new Thread(() -> {
                    try {
                        Random r = new Random(100 + seed);
                        while (!done.get() && failure.get() == null) {
                            if (r.nextInt(50) == 0) {
                                scan(s, state, writes, r);
                                continue;
                            }
                            // Hot keys are read again and again (admitted, indexed), cold keys mostly once.
                            int k = r.nextBoolean() ? r.nextInt(64) * (KEYS / 64) : r.nextInt(KEYS);
                            long w = writes.get(k);
                            long st = state.get(k);
                            byte[] v = s.get(key(k));
                            checkRead(k, st, w % 2 == 0 && writes.get(k) == w, v, "get");
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }, "reader-" + n);
            }
            writer.start();
            checkpoints.start();
            for (Thread t : readers) {
                t.start();
            }
            writer.join(120_000);
            checkpoints.join(120_000);
            for (Thread t : readers) {
                t.join(120_000);
            }
            if (failure.get() != null) {
                throw new AssertionError("a thread failed", failure.get());
            }
            assertThat(done.get()).isTrue();
            for (int k = 0; k < KEYS; k++) {
                checkRead(k, state.get(k), true, s.get(key(k)), "final get");
            }
            s.verify();
        }
    }

    /** A scan of a range: each key it returns or leaves out agrees with the writes acknowledged around it. */
    private static void scan(BTreeStore s, AtomicLongArray state, AtomicLongArray writes, Random r) {
        int from = r.nextInt(KEYS);
        int to = Math.min(KEYS, from + 1 + r.nextInt(150));
        long[] before = new long[to - from];
        long[] w = new long[to - from];
        for (int k = from; k < to; k++) {
            w[k - from] = writes.get(k);
            before[k - from] = state.get(k);
        }
        byte[][] seen = new byte[to - from][];
        byte[] last = null;
        try (KeyValueIterator it = s.scan(key(from), key(to))) {
            while (it.hasNext()) {
                KeyValue kv = it.next();
                if (last != null) {
                    assertThat(Arrays.compareUnsigned(last, kv.key())).as("scan order").isNegative();
                }
                last = kv.key();
                int k = keyId(kv.key());
                assertThat(kv.key()).isEqualTo(key(k));
                assertThat(k).as("scan range").isBetween(from, to - 1);
                seen[k - from] = kv.value();
            }
        }
        StringBuilder got = new StringBuilder();
        for (int k = from; k < to; k++) {
            got.append(seen[k - from] == null ? "" : k + " ");
        }
        for (int k = from; k < to; k++) {
            checkRead(k, before[k - from], w[k - from] % 2 == 0 && writes.get(k) == w[k - from], seen[k - from], "scan [" + from + ", " + to + ") saw " + got);
        }
    }
}
