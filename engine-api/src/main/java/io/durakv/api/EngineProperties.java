package io.durakv.api;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and validates an engine's tuning properties from {@link StoreOptions#properties()}, for engine implementers.
 * Every failure is an {@link IllegalArgumentException} naming the property, the bad value and what is allowed; call
 * {@link #rejectUnknown()} after reading, so that a misspelt name fails {@code open} instead of being ignored.
 *
 * <pre>{@code
 * EngineProperties p = new EngineProperties("lsm", options.properties());
 * long memtable = p.bytes("lsm.memtableBytes", 4 << 20, 64 << 10, 1L << 30);
 * p.rejectUnknown();
 * }</pre>
 *
 * Not thread-safe; use during open.
 */
public final class EngineProperties {

    private final String engine;
    private final Map<String, String> values;
    private final Set<String> read = new TreeSet<>();

    /**
     * @param engine the engine's name, for messages
     * @param values the properties as given
     */
    public EngineProperties(String engine, Map<String, String> values) {
        this.engine = engine;
        this.values = Map.copyOf(values);
    }

    /**
     * Reads a size in bytes: a plain number of bytes.
     *
     * @return the value, or {@code dflt} when the property is not set
     */
    public long bytes(String name, long dflt, long min, long max) {
        return longValue(name, dflt, min, max, "a number of bytes");
    }

    /** Reads a whole number in {@code [min, max]}, or {@code dflt} when not set. */
    public long longValue(String name, long dflt, long min, long max) {
        return longValue(name, dflt, min, max, "a whole number");
    }

    /** Reads a decimal number in {@code [min, max]}, or {@code dflt} when not set. */
    public double ratio(String name, double dflt, double min, double max) {
        read.add(name);
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        double d;
        try {
            d = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw bad(name, v, "a number between " + min + " and " + max);
        }
        if (!(d >= min && d <= max)) {
            throw bad(name, v, "a number between " + min + " and " + max);
        }
        return d;
    }

    /** Reads {@code true} or {@code false} (any case), or {@code dflt} when not set. */
    public boolean bool(String name, boolean dflt) {
        read.add(name);
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        String t = v.trim();
        if (t.equalsIgnoreCase("true")) {
            return true;
        }
        if (t.equalsIgnoreCase("false")) {
            return false;
        }
        throw bad(name, v, "true or false");
    }

    /** Fails if a property was set that no call of this reader asked for. */
    public void rejectUnknown() {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(read);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown " + (unknown.size() == 1 ? "property " : "properties ")
                    + unknown + " for engine '" + engine + "'; known: " + read);
        }
    }

    private long longValue(String name, long dflt, long min, long max, String kind) {
        read.add(name);
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw bad(name, v, kind + " between " + min + " and " + max);
        }
        if (n < min || n > max) {
            throw bad(name, v, kind + " between " + min + " and " + max);
        }
        return n;
    }

    private IllegalArgumentException bad(String name, String value, String allowed) {
        return new IllegalArgumentException("property " + name + " of engine '" + engine + "' must be " + allowed
                + ", got '" + value + "'");
    }
}
