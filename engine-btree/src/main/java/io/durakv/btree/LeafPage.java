package io.durakv.btree;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A clean leaf as the buffer pool caches it after reading it from disk: the used bytes of its page body, in the
 * on-disk entry layout (docs/formats/btree.md, "Leaf page"), and where each entry starts. A lookup binary-searches the
 * keys in place and copies out one value, so neither reading the page nor a hit allocates an array per entry; and a
 * leaf takes about its encoded size in memory (a 4 KiB page filled to 70 % about 3 KiB), where a decoded {@link Node}
 * takes an array per key and value besides. Writers and scans get a {@link Node} from it ({@link #toNode}).
 *
 * <p>Built only by {@link PageCodec#decodeLeafPage}, which checks every entry against the page bounds, so the
 * accessors here need no checks. Immutable; thread-safe.
 */
final class LeafPage {

    private static final VarHandle U16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private final int pageId;
    /** The page body from its first entry to the end of its last. */
    private final byte[] body;
    /** Where entry {@code i} starts in {@link #body}. */
    private final int[] offsets;

    LeafPage(int pageId, byte[] body, int[] offsets) {
        this.pageId = pageId;
        this.body = body;
        this.offsets = offsets;
    }

    int pageId() {
        return pageId;
    }

    int keyCount() {
        return offsets.length;
    }

    /** @return an estimate of the memory this leaf takes, for the pool's budget */
    int memoryBytes() {
        return 32 + 16 + body.length + 16 + 4 * offsets.length;
    }

    private int keyLength(int at) {
        return Short.toUnsignedInt((short) U16.get(body, at));
    }

    /** @return the index of {@code key} if present, else {@code -(insertion point) - 1} */
    int search(byte[] key) {
        int lo = 0;
        int hi = offsets.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int at = offsets[mid];
            int from = at + BTreeFormat.LEAF_ENTRY_OVERHEAD;
            int c = Arrays.compareUnsigned(body, from, from + keyLength(at), key, 0, key.length);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    /** @return a copy of the value of entry {@code i}, read from its overflow chain if it has one */
    byte[] value(int i, BufferPool pool) {
        int at = offsets[i];
        int valueAt = at + BTreeFormat.LEAF_ENTRY_OVERHEAD + keyLength(at);
        int length = (int) U32.get(body, at + 3);
        if (body[at + 2] == BTreeFormat.VALUE_INLINE) {
            return Arrays.copyOfRange(body, valueAt, valueAt + length);
        }
        return pool.readOverflow(new OverflowRef((int) U32.get(body, valueAt), length));
    }

    /** @return this leaf as a clean {@link Node} of its own arrays (for a writer to copy, or a scan to hand out) */
    Node toNode(int pageSize) {
        int n = offsets.length;
        byte[][] keys = new byte[n][];
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            int at = offsets[i];
            int keyAt = at + BTreeFormat.LEAF_ENTRY_OVERHEAD;
            int valueAt = keyAt + keyLength(at);
            keys[i] = Arrays.copyOfRange(body, keyAt, valueAt);
            int length = (int) U32.get(body, at + 3);
            values[i] = body[at + 2] == BTreeFormat.VALUE_INLINE
                    ? Arrays.copyOfRange(body, valueAt, valueAt + length)
                    : new OverflowRef((int) U32.get(body, valueAt), length);
        }
        return Node.leaf(keys, values, pageSize, pageId);
    }

    @Override
    public String toString() {
        return "LeafPage[page=" + pageId + ", keys=" + offsets.length + ", bytes=" + body.length + "]";
    }
}
