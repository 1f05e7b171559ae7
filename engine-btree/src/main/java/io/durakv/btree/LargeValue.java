package io.durakv.btree;

/**
 * A value too large to sit inline in a leaf, as the in-memory tree holds it until a checkpoint has written it to an
 * overflow chain. One object per value put: when a write copies the leaf (copy-on-write), the copy shares this
 * object, so the chain a checkpoint writes for it is known to every leaf that holds it, also to copies made while a
 * background checkpoint was writing it ({@link TreeWriter}, {@link Checkpointer}). Without that, a copy would keep
 * the bare bytes, write a second chain, and the first would never be freed.
 *
 * <p>Thread-safety: {@link #bytes} is immutable; {@link #chain} is set once, under the store's writer lock, when the
 * header that references the chain is durable, and read by writers (under that lock) and by the next checkpoint
 * (which starts after it was set).
 *
 * @see OverflowRef the form a clean leaf holds
 */
final class LargeValue {

    private final byte[] bytes;
    /** The store version of the write that put this value. */
    private final long created;
    /** The durable chain holding these bytes, once a checkpoint has written it; null before. */
    private volatile OverflowRef chain;

    LargeValue(byte[] bytes, long created) {
        this.bytes = bytes;
        this.created = created;
    }

    /** @return the value itself (not a copy: never change it) */
    byte[] bytes() {
        return bytes;
    }

    long created() {
        return created;
    }

    /** @return the durable chain holding the value, or null while none was written */
    OverflowRef chain() {
        return chain;
    }

    /** The checkpoint that wrote the chain made it durable. Writer lock held. */
    void chainDurable(OverflowRef ref) {
        this.chain = ref;
    }

    @Override
    public String toString() {
        return "LargeValue[" + bytes.length + " B, chain=" + chain + "]";
    }
}
