package io.durakv.api.testkit;

import io.durakv.api.KeyValueStore;
import io.durakv.api.WriteBatch;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.NavigableMap;

/**
 * One operation of a crash-suite workload. Every put carries a value unique in the whole history, so that a recovered
 * value names the one operation that wrote it.
 *
 * @param kind  what the operation does
 * @param key   the key of a PUT or DELETE, else null
 * @param value the value of a PUT, else null
 * @param batch the operations of a BATCH (each a PUT or DELETE), else empty
 */
public record WorkOp(Kind kind, byte[] key, byte[] value, List<WorkOp> batch) {

    /** Kinds of workload operation. SYNC changes no data; the oracle uses its completion as a durability point. */
    public enum Kind { PUT, DELETE, BATCH, SYNC }

    static WorkOp put(byte[] key, byte[] value) {
        return new WorkOp(Kind.PUT, key, value, List.of());
    }

    static WorkOp delete(byte[] key) {
        return new WorkOp(Kind.DELETE, key, null, List.of());
    }

    static WorkOp batch(List<WorkOp> ops) {
        return new WorkOp(Kind.BATCH, null, null, List.copyOf(ops));
    }

    static WorkOp sync() {
        return new WorkOp(Kind.SYNC, null, null, List.of());
    }

    /** @return whether the operation changes data (everything but SYNC) */
    public boolean isWrite() {
        return kind != Kind.SYNC;
    }

    /** Applies the operation to the model. */
    public void applyTo(NavigableMap<byte[], byte[]> model) {
        switch (kind) {
            case PUT -> model.put(key, value);
            case DELETE -> model.remove(key);
            case BATCH -> batch.forEach(op -> op.applyTo(model));
            case SYNC -> { }
        }
    }

    /** Runs the operation against the store under test. */
    public void executeOn(KeyValueStore store) {
        switch (kind) {
            case PUT -> store.put(key, value);
            case DELETE -> store.delete(key);
            case BATCH -> {
                WriteBatch b = new WriteBatch();
                for (WorkOp op : batch) {
                    if (op.kind == Kind.PUT) {
                        b.put(op.key, op.value);
                    } else {
                        b.delete(op.key);
                    }
                }
                store.write(b);
            }
            case SYNC -> store.sync();
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case PUT -> "put(" + text(key) + ", " + text(value) + ")";
            case DELETE -> "delete(" + text(key) + ")";
            case BATCH -> "batch" + batch;
            case SYNC -> "sync()";
        };
    }

    /** Renders test keys and values (ASCII prefixes plus padding) readably in failure messages. */
    static String text(byte[] b) {
        if (b == null) {
            return "null";
        }
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int colon = s.indexOf(':');
        return colon >= 0 && b.length > colon + 1 ? s.substring(0, colon) + "+" + (b.length - colon - 1) + "B" : s;
    }
}
