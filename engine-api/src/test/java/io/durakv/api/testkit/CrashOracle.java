package io.durakv.api.testkit;

import io.durakv.api.SyncMode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The crash suite's expected state, kept outside the simulated disk: per writer thread, the history of write
 * operations, each not started, in flight (started, no answer) or acknowledged (returned normally), stamped with a
 * global logical clock at start and at acknowledgement; and the points where a {@code sync()} or {@code close()}
 * completed.
 *
 * <p>{@link #check} decides whether a recovered state is one the durability contract allows:
 * <ul>
 *   <li><b>prefix:</b> for each thread, the state of its keys equals the baseline plus some prefix of its operations
 *       (so a batch is all or nothing, and no value is wrong or invented);</li>
 *   <li><b>per-mode loss bound:</b> in SYNC the prefix covers every acknowledged operation; in every mode it covers
 *       every operation acknowledged before a completed {@code sync()} started, or before a completed close;</li>
 *   <li><b>no holes across threads:</b> if an operation is present, every operation of any thread acknowledged
 *       before it started is present.</li>
 * </ul>
 * Thread-safe: each thread records its own history; the clock is atomic.
 */
public final class CrashOracle {

    /** One write operation of the history. */
    static final class Entry {
        final WorkOp op;
        final long startSeq;
        volatile long ackSeq; // 0 = not acknowledged

        Entry(WorkOp op, long startSeq) {
            this.op = op;
            this.startSeq = startSeq;
        }
    }

    private final AtomicLong clock = new AtomicLong();
    private final NavigableMap<byte[], byte[]> baseline;
    private final List<List<Entry>> history = new ArrayList<>();
    private final AtomicLong durableBefore = new AtomicLong(); // ops acknowledged at a seq below this must survive

    /**
     * @param baseline the state verified after the previous recovery (empty for a new store)
     * @param threads  number of writer threads
     */
    public CrashOracle(NavigableMap<byte[], byte[]> baseline, int threads) {
        this.baseline = copy(baseline);
        for (int t = 0; t < threads; t++) {
            history.add(new ArrayList<>());
        }
    }

    /** Records that {@code thread} starts write {@code op}; call before invoking the store. */
    Entry started(int thread, WorkOp op) {
        Entry e = new Entry(op, clock.incrementAndGet());
        synchronized (history.get(thread)) {
            history.get(thread).add(e);
        }
        return e;
    }

    /** Records that the store returned normally from {@code e}'s operation. */
    void acked(Entry e) {
        e.ackSeq = clock.incrementAndGet();
    }

    /**
     * Records that {@code e}'s operation threw and is known not to have been applied (a write refused on a full disk,
     * which the engines never log): it leaves the history, so a state that holds it anyway fails the check.
     */
    void failed(int thread, Entry e) {
        synchronized (history.get(thread)) {
            history.get(thread).remove(e);
        }
    }

    /** @return the start stamp of a {@code sync()} call; pass it to {@link #syncCompleted(long)} when it returns */
    long syncStarted() {
        return clock.incrementAndGet();
    }

    /** Every write acknowledged before the sync started is now promised durable. */
    void syncCompleted(long syncStartSeq) {
        durableBefore.accumulateAndGet(syncStartSeq, Math::max);
    }

    /** A clean {@code close()} returned: every acknowledged write is promised durable. */
    void closedCleanly() {
        durableBefore.accumulateAndGet(clock.incrementAndGet(), Math::max);
    }

    /** @return the number of writer threads */
    public int threads() {
        return history.size();
    }

    /** @return the number of write operations acknowledged so far */
    public int acknowledged() {
        int n = 0;
        for (List<Entry> h : history) {
            synchronized (h) {
                for (Entry e : h) {
                    n += e.ackSeq > 0 ? 1 : 0;
                }
            }
        }
        return n;
    }

    /**
     * Checks a recovered state against the contract.
     *
     * @return the recovered state (the baseline for the next crash-recover cycle)
     * @throws AssertionError naming the rule broken, the operations involved and the differences
     */
    public NavigableMap<byte[], byte[]> check(NavigableMap<byte[], byte[]> recovered, SyncMode mode) {
        for (byte[] k : recovered.keySet()) {
            if (ownerOf(k) < 0) {
                throw new AssertionError("recovered an unknown key " + WorkOp.text(k));
            }
        }
        int threads = history.size();
        int[] lowMatch = new int[threads];
        int[] highMatch = new int[threads];
        for (int t = 0; t < threads; t++) {
            List<Entry> h;
            synchronized (history.get(t)) {
                h = new ArrayList<>(history.get(t));
            }
            int[] match = matchingPrefixes(t, h, recovered, mode);
            lowMatch[t] = match[0];
            highMatch[t] = match[1];
        }
        checkNoHoles(lowMatch, highMatch);
        return copy(recovered);
    }

    /** @return {lowest, highest} prefix length of thread t's history whose model equals the recovered state */
    private int[] matchingPrefixes(int t, List<Entry> h, NavigableMap<byte[], byte[]> recovered, SyncMode mode) {
        NavigableMap<byte[], byte[]> actual = ownedBy(recovered, t);
        NavigableMap<byte[], byte[]> model = ownedBy(baseline, t);
        int acked = 0;
        int mustHave = 0;
        long durable = durableBefore.get();
        for (Entry e : h) {
            if (e.ackSeq > 0) {
                acked++;
                if (mode == SyncMode.SYNC || e.ackSeq < durable) {
                    mustHave = acked;
                }
            }
        }
        int low = -1;
        int high = -1;
        int lostMatch = -1;
        int closest = 0;
        int closestDiff = Integer.MAX_VALUE;
        for (int p = 0; p <= h.size(); p++) {
            if (p > 0) {
                h.get(p - 1).op.applyTo(model);
            }
            int diff = differences(model, actual).size();
            if (diff == 0) {
                if (p >= mustHave) {
                    low = low < 0 ? p : low;
                    high = p;
                } else {
                    lostMatch = p;
                }
            }
            if (diff < closestDiff) {
                closestDiff = diff;
                closest = p;
            }
        }
        if (low >= 0) {
            return new int[]{low, high};
        }
        StringBuilder msg = new StringBuilder();
        if (lostMatch >= 0) {
            msg.append("acknowledged write lost (").append(mode).append("): thread ").append(t)
                    .append(" recovered the state after its first ").append(lostMatch)
                    .append(" operations, but its first ").append(mustHave).append(" were ")
                    .append(mode == SyncMode.SYNC ? "acknowledged" : "made durable by sync()/close()")
                    .append("; first lost: ").append(h.get(lostMatch).op);
        } else {
            NavigableMap<byte[], byte[]> near = ownedBy(baseline, t);
            for (int p = 0; p < closest; p++) {
                h.get(p).op.applyTo(near);
            }
            msg.append("recovered state of thread ").append(t)
                    .append(" is no prefix of its history (torn batch, wrong or invented data); ")
                    .append(h.size()).append(" ops started, ").append(acked).append(" acknowledged, ")
                    .append(mustHave).append(" required; closest prefix ").append(closest).append(" differs in ")
                    .append(differences(near, actual));
            if (closest < h.size()) {
                msg.append("; next op there: ").append(h.get(closest).op);
            }
        }
        throw new AssertionError(msg.toString());
    }

    /** If an op of thread t is present, every op of another thread acknowledged before it started must be present. */
    private void checkNoHoles(int[] lowMatch, int[] highMatch) {
        for (int t = 0; t < history.size(); t++) {
            if (lowMatch[t] == 0) {
                continue;
            }
            Entry last;
            synchronized (history.get(t)) {
                last = history.get(t).get(lowMatch[t] - 1);
            }
            for (int u = 0; u < history.size(); u++) {
                if (u == t) {
                    continue;
                }
                synchronized (history.get(u)) {
                    List<Entry> hu = history.get(u);
                    for (int i = highMatch[u]; i < hu.size(); i++) {
                        Entry e = hu.get(i);
                        if (e.ackSeq > 0 && e.ackSeq < last.startSeq) {
                            throw new AssertionError("hole in the recovered history: thread " + t + "'s "
                                    + last.op + " is present, but thread " + u + "'s " + e.op
                                    + ", acknowledged before it started, is missing");
                        }
                    }
                }
            }
        }
    }

    private int ownerOf(byte[] key) {
        for (int t = 0; t < history.size(); t++) {
            if (CrashWorkload.ownedBy(key, t)) {
                return t;
            }
        }
        return -1;
    }

    private static NavigableMap<byte[], byte[]> ownedBy(NavigableMap<byte[], byte[]> state, int thread) {
        NavigableMap<byte[], byte[]> out = newMap();
        state.forEach((k, v) -> {
            if (CrashWorkload.ownedBy(k, thread)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** @return human-readable differences, empty when equal */
    static List<String> differences(NavigableMap<byte[], byte[]> expected, NavigableMap<byte[], byte[]> actual) {
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> e : expected.entrySet()) {
            byte[] a = actual.get(e.getKey());
            if (!Arrays.equals(a, e.getValue())) {
                diffs.add(WorkOp.text(e.getKey()) + ": expected " + WorkOp.text(e.getValue()) + ", got "
                        + WorkOp.text(a));
            }
        }
        for (byte[] k : actual.keySet()) {
            if (!expected.containsKey(k)) {
                diffs.add(WorkOp.text(k) + ": expected absent, got " + WorkOp.text(actual.get(k)));
            }
        }
        return diffs;
    }

    /** @return an empty map ordered as the API orders keys (unsigned lexicographic) */
    public static NavigableMap<byte[], byte[]> newMap() {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    static NavigableMap<byte[], byte[]> copy(NavigableMap<byte[], byte[]> m) {
        NavigableMap<byte[], byte[]> c = newMap();
        c.putAll(m);
        return c;
    }
}
