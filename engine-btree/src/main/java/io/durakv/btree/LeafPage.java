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
 * accessors here need no checks. Immutable; thread-safe. A <em>transient</em> leaf (not cached, see
 * {@link BufferPool#lookup}) reads a thread's reusable page buffer instead of a copy and is valid only until that
 * thread reads its next page.
 */
final class LeafPage implements KeyWords.Keys {

    private static final VarHandle U16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private final int pageId;
    /** The page body from its first entry to the end of its last (or, for a transient leaf, the whole page). */
    private final byte[] body;
    /** Where entry {@code i} starts in {@link #body}. */
    private final int[] offsets;
    /** Whether this leaf may build {@link #index}: a leaf the pool caches, searched many times. */
    private final boolean indexed;
    /**
     * The word index ({@link KeyWords}), built by the second search of an indexed leaf (racy single check: every
     * thread builds the same immutable value, whose final fields make a racy read safe). A leaf cached in the pool is
     * searched over it: its body is mostly not in the processor's caches, and a binary search over the entries would
     * touch a cache line per step. A leaf evicted after one search never pays for it; a transient leaf, read for one
     * lookup, is searched in its freshly copied page.
     */
    private Index index;
    /** Searches before {@link #index} is built; a plain field (a lost count only delays the index). */
    private byte searches;

    /** The keys' words after the prefix they all share. */
    private static final class Index {
        final int prefix;
        final long[] words;

        Index(int prefix, long[] words) {
            this.prefix = prefix;
            this.words = words;
        }
    }

    /**
     * @param indexed whether to build the word index once searched again: for a leaf the pool caches
     */
    LeafPage(int pageId, byte[] body, int[] offsets, boolean indexed) {
        this.pageId = pageId;
        this.body = body;
        this.offsets = offsets;
        this.indexed = indexed && offsets.length > 0;
    }

    private Index buildIndex() {
        int n = offsets.length;
        int firstAt = offsets[0] + BTreeFormat.LEAF_ENTRY_OVERHEAD;
        int firstEnd = firstAt + keyLength(offsets[0]);
        int lastAt = offsets[n - 1] + BTreeFormat.LEAF_ENTRY_OVERHEAD;
        int p = Arrays.mismatch(body, firstAt, firstEnd, body, lastAt, lastAt + keyLength(offsets[n - 1]));
        int prefix = p < 0 ? firstEnd - firstAt : p;
        long[] words = new long[n];
        for (int i = 0; i < n; i++) {
            int at = offsets[i] + BTreeFormat.LEAF_ENTRY_OVERHEAD;
            words[i] = KeyWords.word(body, at, at + keyLength(offsets[i]), prefix);
        }
        return new Index(prefix, words);
    }

    int pageId() {
        return pageId;
    }

    int keyCount() {
        return offsets.length;
    }

    /** @return an estimate of the memory this leaf takes, for the pool's budget */
    int memoryBytes() {
        return 48 + 16 + body.length + 16 + 4 * offsets.length + (indexed ? 32 + 16 + 8 * offsets.length : 0);
    }

    private int keyLength(int at) {
        return Short.toUnsignedInt((short) U16.get(body, at));
    }

    /** @return the index of {@code key} if present, else {@code -(insertion point) - 1} */
    int search(byte[] key) {
        Index ix = index;
        if (ix == null) {
            if (!indexed || searches++ == 0) {
                return searchEntries(key);
            }
            ix = buildIndex();
            index = ix;
        }
        int first = offsets[0] + BTreeFormat.LEAF_ENTRY_OVERHEAD;
        return KeyWords.search(this, ix.prefix, ix.words, body, first, key);
    }

    /** {@link #search} over the entries themselves. */
    private int searchEntries(byte[] key) {
        return KeyWords.search(this, offsets.length, key);
    }

    @Override
    public int compareKey(int i, byte[] key) {
        int at = offsets[i];
        int from = at + BTreeFormat.LEAF_ENTRY_OVERHEAD;
        return Arrays.compareUnsigned(body, from, from + keyLength(at), key, 0, key.length);
    }

    /** @return a copy of the key of entry {@code i} */
    byte[] key(int i) {
        int at = offsets[i];
        int from = at + BTreeFormat.LEAF_ENTRY_OVERHEAD;
        return Arrays.copyOfRange(body, from, from + keyLength(at));
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
