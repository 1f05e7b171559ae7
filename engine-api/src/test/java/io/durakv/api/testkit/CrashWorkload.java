package io.durakv.api.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Generates seeded random workloads for the crash suite: puts, deletes, batches and syncs over a small key space per
 * writer thread, so that overwrites and deletes hit. Keys of thread {@code t} start with {@code "t<t>-"}, so threads
 * never share a key and the oracle can check each thread's history on its own. Values are unique across the whole
 * history ({@code "t<t>#<cycle>.<index>:"} plus random padding).
 */
public final class CrashWorkload {

    private final int keySpace;
    private final int maxValueBytes;

    /**
     * @param keySpace      distinct keys per thread
     * @param maxValueBytes longest random padding of a value; large values make engines rotate, flush and merge
     */
    public CrashWorkload(int keySpace, int maxValueBytes) {
        this.keySpace = keySpace;
        this.maxValueBytes = maxValueBytes;
    }

    /** @return key {@code k} of thread {@code thread} */
    public static byte[] key(int thread, int k) {
        return String.format("t%d-k%03d", thread, k).getBytes(StandardCharsets.US_ASCII);
    }

    /** @return whether {@code key} belongs to thread {@code thread} */
    public static boolean ownedBy(byte[] key, int thread) {
        byte[] prefix = ("t" + thread + "-").getBytes(StandardCharsets.US_ASCII);
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** @return every key thread {@code thread} may write */
    public List<byte[]> keysOf(int thread) {
        List<byte[]> keys = new ArrayList<>(keySpace);
        for (int k = 0; k < keySpace; k++) {
            keys.add(key(thread, k));
        }
        return keys;
    }

    /**
     * @param rnd    the source of randomness
     * @param thread the writer thread the operations are for
     * @param cycle  the crash-recover cycle, part of every value so values stay unique across cycles
     * @param count  number of operations
     */
    public List<WorkOp> generate(Random rnd, int thread, int cycle, int count) {
        List<WorkOp> ops = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String tag = "t" + thread + "#" + cycle + "." + i;
            int dice = rnd.nextInt(100);
            if (dice < 55) {
                ops.add(WorkOp.put(key(thread, rnd.nextInt(keySpace)), value(rnd, tag)));
            } else if (dice < 72) {
                ops.add(WorkOp.delete(key(thread, rnd.nextInt(keySpace))));
            } else if (dice < 94) {
                int n = 1 + rnd.nextInt(5);
                List<WorkOp> batch = new ArrayList<>(n);
                for (int j = 0; j < n; j++) {
                    byte[] k = key(thread, rnd.nextInt(keySpace));
                    batch.add(rnd.nextInt(4) == 0 ? WorkOp.delete(k) : WorkOp.put(k, value(rnd, tag + "." + j)));
                }
                ops.add(WorkOp.batch(batch));
            } else {
                ops.add(WorkOp.sync());
            }
        }
        return ops;
    }

    private byte[] value(Random rnd, String tag) {
        byte[] head = (tag + ":").getBytes(StandardCharsets.US_ASCII);
        // Mostly small values, sometimes near the maximum, so thresholds in bytes are crossed often.
        int pad = rnd.nextInt(8) == 0 ? maxValueBytes - rnd.nextInt(Math.max(1, maxValueBytes / 4))
                : rnd.nextInt(Math.max(1, maxValueBytes / 8));
        byte[] v = Arrays.copyOf(head, head.length + Math.max(0, pad));
        for (int i = head.length; i < v.length; i++) {
            v[i] = (byte) ('a' + rnd.nextInt(26));
        }
        return v;
    }
}
