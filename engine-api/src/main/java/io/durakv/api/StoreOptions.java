package io.durakv.api;

import io.durakv.api.io.Disk;
import io.durakv.api.io.LocalDisk;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable options for opening a store. Build with {@link #builder()}; {@link #defaults()} is {@link SyncMode#SYNC}
 * with a 100 ms batch interval on the local file system.
 *
 * <p>Engine tuning goes through {@link Builder#property(String, String)}, by name, so that configuration files and
 * tests can tune an engine without compiling against it. Each engine validates its properties when it opens: an
 * unknown name or a bad value fails {@code open} with {@link IllegalArgumentException} naming it.
 *
 * <p>Thread-safe (immutable).
 */
public final class StoreOptions {

    /** The default interval between background forces in {@link SyncMode#BATCH}. */
    public static final Duration DEFAULT_BATCH_INTERVAL = Duration.ofMillis(100);

    private static final StoreOptions DEFAULTS = builder().build();

    private final SyncMode syncMode;
    private final Duration batchInterval;
    private final Map<String, String> properties;
    private final Disk disk;

    private StoreOptions(Builder b) {
        this.syncMode = b.syncMode;
        this.batchInterval = b.batchInterval;
        this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(b.properties));
        this.disk = b.disk;
    }

    /**
     * Validates a BATCH-mode interval; shared by every options class that takes one.
     *
     * @return {@code interval}, if it is between 1 ms and 1 hour
     * @throws IllegalArgumentException naming the value and the allowed range otherwise
     */
    public static Duration checkBatchInterval(Duration interval) {
        Objects.requireNonNull(interval, "batchInterval");
        if (interval.compareTo(Duration.ofMillis(1)) < 0 || interval.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("batchInterval must be between 1 ms and 1 h, got " + interval);
        }
        return interval;
    }

    /** @return a new builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the default options: {@link SyncMode#SYNC}, 100 ms batch interval, no properties, the local disk */
    public static StoreOptions defaults() {
        return DEFAULTS;
    }

    /** @return when a write is durable */
    public SyncMode syncMode() {
        return syncMode;
    }

    /** @return the longest time between background forces in {@link SyncMode#BATCH} */
    public Duration batchInterval() {
        return batchInterval;
    }

    /** @return engine tuning properties by name, unmodifiable, in the order set */
    public Map<String, String> properties() {
        return properties;
    }

    /** @return the I/O layer every file operation of the store goes through */
    public Disk disk() {
        return disk;
    }

    /** @return a builder starting from these options */
    public Builder toBuilder() {
        Builder b = new Builder().syncMode(syncMode).batchInterval(batchInterval).disk(disk);
        properties.forEach(b::property);
        return b;
    }

    @Override
    public String toString() {
        return "StoreOptions[syncMode=" + syncMode + ", batchInterval=" + batchInterval + ", properties=" + properties
                + ", disk=" + disk + "]";
    }

    /** Builds {@link StoreOptions}; every setter validates its argument at once. Not thread-safe. */
    public static final class Builder {
        private SyncMode syncMode = SyncMode.SYNC;
        private Duration batchInterval = DEFAULT_BATCH_INTERVAL;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private Disk disk = LocalDisk.INSTANCE;

        private Builder() {
        }

        /** @param mode when writes are durable; not null */
        public Builder syncMode(SyncMode mode) {
            this.syncMode = Objects.requireNonNull(mode, "syncMode");
            return this;
        }

        /**
         * @param interval the longest time between background forces in {@link SyncMode#BATCH}; between 1 ms and
         *                 1 hour
         */
        public Builder batchInterval(Duration interval) {
            this.batchInterval = checkBatchInterval(interval);
            return this;
        }

        /**
         * Sets an engine tuning property (see each engine's documentation). Validated by the engine when it opens.
         *
         * @param name  the property name, e.g. {@code "wal.segmentBytes"}; not null or blank
         * @param value its value; not null
         */
        public Builder property(String name, String value) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("property name must not be null or blank");
            }
            if (value == null) {
                throw new IllegalArgumentException("value of property '" + name + "' must not be null");
            }
            properties.put(name, value);
            return this;
        }

        /**
         * @param disk the I/O layer to use, e.g. a {@link io.durakv.api.io.SimulatedDisk} in tests; defaults to
         *             {@link LocalDisk#INSTANCE}
         */
        public Builder disk(Disk disk) {
            this.disk = Objects.requireNonNull(disk, "disk");
            return this;
        }

        /** @return the options */
        public StoreOptions build() {
            return new StoreOptions(this);
        }
    }
}
