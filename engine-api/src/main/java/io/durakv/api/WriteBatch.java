package io.durakv.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A mutable list of puts and deletes that {@link KeyValueStore#write(WriteBatch)} applies atomically.
 *
 * <p>Arrays are copied when added, so the caller may reuse them. A batch may be reused after {@code write}: call
 * {@link #clear()} to empty it. Operations are applied in the order added; a later operation on the same key wins.
 *
 * <p>Not thread-safe: build a batch on one thread.
 */
public final class WriteBatch {

    /** One operation of a batch: a put when {@code value} is non-null, a delete when it is null. */
    public record Op(byte[] key, byte[] value) {
        /** @return true when this operation deletes its key */
        public boolean isDelete() {
            return value == null;
        }
    }

    private final List<Op> ops = new ArrayList<>();

    /** Creates an empty batch. */
    public WriteBatch() {
    }

    /**
     * Adds a put of {@code value} under {@code key}.
     *
     * @throws IllegalArgumentException if key or value is null
     * @return this batch
     */
    public WriteBatch put(byte[] key, byte[] value) {
        if (key == null) {
            throw new IllegalArgumentException("WriteBatch.put: key is null");
        }
        if (value == null) {
            throw new IllegalArgumentException("WriteBatch.put: value is null (use delete to remove a key)");
        }
        ops.add(new Op(key.clone(), value.clone()));
        return this;
    }

    /**
     * Adds a delete of {@code key}.
     *
     * @throws IllegalArgumentException if key is null
     * @return this batch
     */
    public WriteBatch delete(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("WriteBatch.delete: key is null");
        }
        ops.add(new Op(key.clone(), null));
        return this;
    }

    /** @return the number of operations in this batch */
    public int size() {
        return ops.size();
    }

    /** Removes every operation, so that the batch can be reused. */
    public void clear() {
        ops.clear();
    }

    /**
     * The operations in the order added. The list is unmodifiable and its arrays are owned by the batch: engines read
     * them and must not change them.
     */
    public List<Op> ops() {
        return Collections.unmodifiableList(ops);
    }

    @Override
    public String toString() {
        return "WriteBatch[" + ops.size() + " ops]";
    }
}
