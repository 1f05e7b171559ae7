package io.durakv.btree;

import io.durakv.api.CorruptionException;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static io.durakv.btree.BTreeFormat.*;

/**
 * Encodes and decodes the bodies of leaf, internal, overflow and free-list pages (layouts in
 * {@code docs/formats/btree.md}). The checksum and page id are {@link PageFile}'s business; decoding assumes they were
 * checked and still bounds-checks every length, so that a page that passes its checksum but was written by a buggy
 * version cannot make the reader run off the page.
 *
 * <p>Stateless and thread-safe.
 */
final class PageCodec {

    private PageCodec() {
    }

    /**
     * Writes a leaf body into {@code page}.
     *
     * @param values each a {@code byte[]} that fits inline or an {@link OverflowRef}
     */
    static void encodeLeaf(ByteBuffer page, byte[][] keys, Object[] values) {
        page.put(P_TYPE, TYPE_LEAF);
        page.putShort(P_COUNT, (short) keys.length);
        page.position(PAGE_HEADER);
        for (int i = 0; i < keys.length; i++) {
            page.putShort((short) keys[i].length);
            if (values[i] instanceof OverflowRef ref) {
                page.put(VALUE_OVERFLOW).putInt(ref.length()).put(keys[i]).putInt(ref.firstPage());
            } else {
                byte[] v = (byte[]) values[i];
                page.put(VALUE_INLINE).putInt(v.length).put(keys[i]).put(v);
            }
        }
    }

    /** Writes an internal body into {@code page}; {@code children.length == keys.length + 1}. */
    static void encodeInternal(ByteBuffer page, byte[][] keys, int[] children) {
        page.put(P_TYPE, TYPE_INTERNAL);
        page.putShort(P_COUNT, (short) keys.length);
        page.position(PAGE_HEADER);
        page.putInt(children[0]);
        for (int i = 0; i < keys.length; i++) {
            page.putShort((short) keys[i].length).put(keys[i]).putInt(children[i + 1]);
        }
    }

    /** Decodes a leaf or internal page (checked by {@link PageFile#read}) into a clean node with id {@code id}. */
    static Node decodeNode(ByteBuffer page, int id, int pageSize, Path file, long offset) {
        Reader r = new Reader(page, file, offset);
        byte type = page.get(P_TYPE);
        int count = Short.toUnsignedInt(page.getShort(P_COUNT));
        byte[][] keys = new byte[count][];
        if (type == TYPE_LEAF) {
            Object[] values = new Object[count];
            for (int i = 0; i < count; i++) {
                int keyLen = r.u16();
                int kind = r.u8();
                int valueLen = r.length(MAX_VALUE_BYTES);
                keys[i] = r.bytes(keyLen);
                if (kind == VALUE_INLINE) {
                    values[i] = r.bytes(valueLen);
                } else if (kind == VALUE_OVERFLOW) {
                    values[i] = new OverflowRef(r.pagePointer(), valueLen);
                } else {
                    throw r.corrupt("unknown value kind " + kind);
                }
            }
            return Node.leaf(keys, values, pageSize, id);
        }
        if (type != TYPE_INTERNAL) {
            throw r.corrupt("page type " + type + " is not a tree node");
        }
        Object[] children = new Object[count + 1];
        children[0] = r.pagePointer();
        for (int i = 0; i < count; i++) {
            keys[i] = r.bytes(r.u16());
            children[i + 1] = r.pagePointer();
        }
        return Node.internal(keys, children, id);
    }

    /**
     * Decodes a leaf page (checked by {@link PageFile#read}) into the compact form the buffer pool caches, checking
     * every entry against the page bounds as {@link #decodeNode} does, without an array per entry.
     */
    static LeafPage decodeLeafPage(ByteBuffer page, int id, Path file, long offset) {
        return decodeLeafPage(page, id, file, offset, true);
    }

    /**
     * As {@link #decodeLeafPage(ByteBuffer, int, Path, long)}; with {@code copy} false, the leaf reads the page's own
     * array (a heap buffer at array offset 0) instead of a copy of its body: valid only while that array holds this
     * page, for one lookup in a page read with {@link PageFile#readTransient}.
     */
    static LeafPage decodeLeafPage(ByteBuffer page, int id, Path file, long offset, boolean copy) {
        Reader r = new Reader(page, file, offset);
        int base = copy ? PAGE_HEADER : 0;
        int count = Short.toUnsignedInt(page.getShort(P_COUNT));
        int[] offsets = new int[count];
        for (int i = 0; i < count; i++) {
            offsets[i] = r.position() - base;
            int keyLen = r.u16();
            int kind = r.u8();
            int valueLen = r.length(MAX_VALUE_BYTES);
            r.skip(keyLen);
            if (kind == VALUE_INLINE) {
                r.skip(valueLen);
            } else if (kind == VALUE_OVERFLOW) {
                r.pagePointer();
            } else {
                throw r.corrupt("unknown value kind " + kind);
            }
        }
        if (!copy) {
            return new LeafPage(id, page.array(), offsets, false);
        }
        return new LeafPage(id, r.bytesAt(PAGE_HEADER), offsets, true);
    }

    /** Writes one overflow page: {@code length} bytes of {@code value} from {@code from}, then a link. */
    static void encodeOverflow(ByteBuffer page, byte[] value, int from, int length, int next) {
        page.put(P_TYPE, TYPE_OVERFLOW);
        page.putShort(P_COUNT, (short) length);
        page.putInt(P_LINK, next);
        page.put(PAGE_HEADER, value, from, length);
    }

    /** Writes one free-list page holding {@code count} ids of {@code ids} from {@code from}, then a link. */
    static void encodeFreeList(ByteBuffer page, int[] ids, int from, int count, int next) {
        page.put(P_TYPE, TYPE_FREE_LIST);
        page.putShort(P_COUNT, (short) count);
        page.putInt(P_LINK, next);
        page.position(PAGE_HEADER);
        for (int i = 0; i < count; i++) {
            page.putInt(ids[from + i]);
        }
    }

    /** @return the number of payload bytes of an overflow or free-list page, checked against the page size */
    static int count(ByteBuffer page, int max, Path file, long offset) {
        int count = Short.toUnsignedInt(page.getShort(P_COUNT));
        if (count > max) {
            throw new CorruptionException(file, offset + P_COUNT, "count " + count + " exceeds the page's " + max);
        }
        return count;
    }

    /** @return the link field (next page of an overflow chain or free list), 0 at the end */
    static int link(ByteBuffer page) {
        return page.getInt(P_LINK);
    }

    /** Bounds-checked sequential reads of a page body. */
    private static final class Reader {
        private final ByteBuffer page;
        private final Path file;
        private final long offset;
        private int pos = PAGE_HEADER;

        Reader(ByteBuffer page, Path file, long offset) {
            this.page = page;
            this.file = file;
            this.offset = offset;
        }

        private void need(int n) {
            if (n < 0 || pos + n > page.capacity()) {
                throw corrupt("entry of " + n + " bytes runs past the end of the page");
            }
        }

        int u8() {
            need(1);
            return page.get(pos++);
        }

        int u16() {
            need(2);
            int v = Short.toUnsignedInt(page.getShort(pos));
            pos += 2;
            return v;
        }

        int length(int max) {
            need(4);
            int v = page.getInt(pos);
            if (v < 0 || v > max) {
                throw corrupt("length " + v + " out of range");
            }
            pos += 4;
            return v;
        }

        int pagePointer() {
            need(4);
            int v = page.getInt(pos);
            if (v < FIRST_DATA_PAGE) {
                throw corrupt("pointer to page " + v + ", which is not a data page");
            }
            pos += 4;
            return v;
        }

        int position() {
            return pos;
        }

        /** @return a copy of the bytes from {@code from} to the current position */
        byte[] bytesAt(int from) {
            int end = pos;
            pos = from;
            byte[] b = bytes(end - from);
            pos = end;
            return b;
        }

        void skip(int n) {
            need(n);
            pos += n;
        }

        byte[] bytes(int n) {
            need(n);
            byte[] b;
            if (page.hasArray()) { // a plain array copy: a buffer's bulk get checks more than it copies, for keys
                int from = page.arrayOffset() + pos;
                b = java.util.Arrays.copyOfRange(page.array(), from, from + n);
            } else {
                b = new byte[n];
                page.get(pos, b);
            }
            pos += n;
            return b;
        }

        CorruptionException corrupt(String what) {
            return new CorruptionException(file, offset + pos, what);
        }
    }
}
