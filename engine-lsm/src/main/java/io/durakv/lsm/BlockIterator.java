package io.durakv.lsm;

import java.util.Arrays;

/**
 * A cursor over the entries of one {@link Block}: decodes prefix-compressed internal keys into a reusable buffer and
 * bounds-checks every length ({@link io.durakv.api.CorruptionException} naming the block, never an index error).
 * Seeking binary-searches the restart points, comparing their whole keys in place, then scans forward.
 *
 * <p>Not thread-safe; {@link #reset(Block)} reuses it for another block without allocating.
 */
final class BlockIterator {

    private static final int MAX_KEY = SstFormat.MAX_BLOCK_BYTES;
    private static final byte[] EMPTY = new byte[0];

    private final SstCoding.Input in = new SstCoding.Input(null, 0, "", EMPTY, 0, 0);
    private Block block;
    private byte[] key = new byte[64];
    private int keyLength;
    private int current = -1;
    private int next;
    private int valueAt;
    private int valueLength;
    private long sequence;
    private byte kind;

    /** Moves to {@code block}, unpositioned. */
    void reset(Block block) {
        this.block = block;
        in.reset(block.file, block.offset, SstFormat.typeName(block.type), block.data, 0, block.entriesEnd);
        this.current = -1;
        this.keyLength = 0;
    }

    /** Lets go of the block (a thread's reusable iterator must not keep a large block reachable). */
    void clear() {
        block = null;
        current = -1;
        in.reset(null, 0, "", EMPTY, 0, 0);
    }

    boolean valid() {
        return current >= 0;
    }

    void seekToFirst() {
        keyLength = 0;
        decodeAt(0);
    }

    void next() {
        decodeAt(next);
    }

    /** Positions at the first entry at or after {@code (userKey, sequence)} in internal-key order, or invalid. */
    void seek(byte[] userKey, long sequence) {
        int lo = 0;
        int hi = block.restarts - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (compareRestartKey(block.restartPoint(mid), userKey, sequence) < 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        keyLength = 0;
        decodeAt(block.restartPoint(lo));
        while (current >= 0 && compare(userKey, sequence) < 0) {
            decodeAt(next);
        }
    }

    /** @return the current entry compared with {@code (userKey, sequence)} in internal-key order */
    int compare(byte[] userKey, long sequence) {
        int c = Arrays.compareUnsigned(key, 0, keyLength - SstFormat.KEY_TRAILER_SIZE, userKey, 0, userKey.length);
        return c != 0 ? c : Long.compare(sequence, this.sequence);
    }

    boolean userKeyEquals(byte[] userKey) {
        return Arrays.equals(key, 0, keyLength - SstFormat.KEY_TRAILER_SIZE, userKey, 0, userKey.length);
    }

    /** @return the buffer holding the current user key at {@code [0, userKeyLength())}; reused when the cursor moves */
    byte[] keyBuffer() {
        return key;
    }

    /** @return the current user key's length in {@link #keyBuffer()} */
    int userKeyLength() {
        return keyLength - SstFormat.KEY_TRAILER_SIZE;
    }

    /** @return the block's bytes, holding the current value at {@code [valueOffset(), valueOffset() + valueLength())} */
    byte[] data() {
        return block.data;
    }

    int valueOffset() {
        return valueAt;
    }

    int valueLength() {
        return valueLength;
    }

    /** @return a copy of the current user key */
    byte[] userKey() {
        return Arrays.copyOf(key, keyLength - SstFormat.KEY_TRAILER_SIZE);
    }

    long sequence() {
        return sequence;
    }

    byte kind() {
        return kind;
    }

    /** @return a copy of the current value, or {@code null} for a tombstone */
    byte[] value() {
        return kind == EntryKind.DELETE ? null : Arrays.copyOfRange(block.data, valueAt, valueAt + valueLength);
    }

    /** @return a cursor over the current value's bytes (index entries decode their block handle from it) */
    SstCoding.Input valueInput() {
        return new SstCoding.Input(block.file, block.offset, SstFormat.typeName(block.type), block.data, valueAt,
                valueAt + valueLength);
    }

    private int compareRestartKey(int at, byte[] userKey, long sequence) {
        in.reset(block.data, at, block.entriesEnd);
        int shared = (int) in.varint64();
        int unshared = in.varint(MAX_KEY, "key length");
        in.varint(MAX_KEY, "value length");
        int keyAt = in.skip(unshared, "key");
        if (shared != 0 || unshared < SstFormat.KEY_TRAILER_SIZE) {
            throw block.corrupt("restart entry at byte " + at + " has shared length " + shared + " and key length "
                    + unshared);
        }
        int userEnd = keyAt + unshared - SstFormat.KEY_TRAILER_SIZE;
        int c = Arrays.compareUnsigned(block.data, keyAt, userEnd, userKey, 0, userKey.length);
        return c != 0 ? c : Long.compare(sequence, SstCoding.getLongBE(block.data, userEnd) >>> 8);
    }

    private void decodeAt(int at) {
        int end = block.entriesEnd;
        if (at >= end) {
            current = -1;
            return;
        }
        // Fast path (LevelDB's): the three lengths are one-byte varints, as for every entry with a key and value under
        // 128 bytes, and everything lies inside the entries. Anything else takes the checked path below, which
        // reports damage exactly.
        byte[] d = block.data;
        if (at + 3 <= end) {
            int shared = d[at];
            int unshared = d[at + 1];
            int length = d[at + 2];
            if ((shared | unshared | length) >= 0 && shared <= keyLength && at + 3 + unshared + length <= end) {
                finishEntry(at, shared, unshared, length, at + 3, at + 3 + unshared, at + 3 + unshared + length);
                return;
            }
        }
        SstCoding.Input in = this.in;
        in.reset(d, at, end);
        int shared = in.varint(keyLength, "shared key length");
        int unshared = in.varint(MAX_KEY, "key length");
        int length = in.varint(MAX_KEY, "value length");
        int keyAt = in.skip(unshared, "key");
        int valueStart = in.skip(length, "value");
        finishEntry(at, shared, unshared, length, keyAt, valueStart, in.position());
    }

    /** Takes the entry at {@code at} whose lengths and bounds were checked: its key, trailer and value range. */
    private void finishEntry(int at, int shared, int unshared, int length, int keyAt, int valueStart, int nextAt) {
        int newLength = shared + unshared;
        if (newLength < SstFormat.KEY_TRAILER_SIZE) {
            throw block.corrupt("entry at byte " + at + " has an internal key of " + newLength + " bytes");
        }
        if (key.length < newLength) {
            key = Arrays.copyOf(key, Math.max(newLength, 2 * key.length));
        }
        System.arraycopy(block.data, keyAt, key, shared, unshared);
        long trailer = SstCoding.getLongBE(key, newLength - SstFormat.KEY_TRAILER_SIZE);
        byte k = (byte) trailer;
        if (k != EntryKind.PUT && (k != EntryKind.DELETE || length != 0)) {
            throw block.corrupt("entry at byte " + at + " has kind " + k + " with a value of " + length + " bytes");
        }
        keyLength = newLength;
        sequence = trailer >>> 8;
        kind = k;
        valueAt = valueStart;
        valueLength = length;
        current = at;
        next = nextAt;
    }
}
