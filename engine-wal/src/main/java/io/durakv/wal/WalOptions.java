package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.StoreOptions;
import io.durakv.api.io.Disk;
import io.durakv.api.io.LocalDisk;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable options of a {@link WriteAheadLog}. Build with {@link #builder()}; {@link #defaults()} is
 * {@link SyncMode#SYNC}, a 100 ms batch interval and 64 MiB segments on the local disk.
 *
 * <p>Thread-safe (immutable).
 */
public final class WalOptions {

    /** Default segment size: 64 MiB. */
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    /** Smallest allowed segment size: 64 KiB. */
    public static final long MIN_SEGMENT_BYTES = 64L << 10;
    /** Largest allowed segment size: 1 GiB. */
    public static final long MAX_SEGMENT_BYTES = 1L << 30;
    /** Default bound on written-but-unforced bytes in {@link SyncMode#BATCH} before an early background force: 1 MiB. */
    public static final long DEFAULT_MAX_UNFORCED_BYTES = 1L << 20;

    private static final WalOptions DEFAULTS = builder().build();

    private final SyncMode syncMode;
    private final Duration batchInterval;
    private final long segmentBytes;
    private final Disk disk;
    private final boolean preallocate;
    private final boolean mappedWrites;
    private final boolean mappedReads;
    private final long maxUnforcedBytes;

    private WalOptions(Builder b) {
        this.syncMode = b.syncMode;
        this.batchInterval = b.batchInterval;
        this.segmentBytes = b.segmentBytes;
        this.disk = b.disk;
        this.preallocate = b.preallocate;
        this.mappedWrites = b.mappedWrites;
        this.mappedReads = b.mappedReads;
        this.maxUnforcedBytes = b.maxUnforcedBytes;
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the default options */
    public static WalOptions defaults() {
        return DEFAULTS;
    }

    /** @return when an append is durable */
    public SyncMode syncMode() {
        return syncMode;
    }

    /** @return the longest time between background forces in {@link SyncMode#BATCH} */
    public Duration batchInterval() {
        return batchInterval;
    }

    /** @return the size at which a segment rotates */
    public long segmentBytes() {
        return segmentBytes;
    }

    /** @return the I/O layer the log uses */
    public Disk disk() {
        return disk;
    }

    /**
     * @return whether each new segment is filled with zeros up to {@link #segmentBytes()} (and forced) when it is
     *         created, so that steady-state forces never change the file size or allocate blocks
     */
    public boolean preallocate() {
        return preallocate;
    }

    /**
     * @return whether BATCH and NONE logs write records by memory copies into a mapping of the preallocated active
     *         segment instead of a write call per group of records, where the disk maps files
     *         ({@link io.durakv.api.io.DiskFile#mapForWriting}; {@link io.durakv.api.io.LocalDisk#mapsFiles()}).
     *         The bytes reach the page cache either way before an append returns; SYNC logs never map (a force per
     *         record makes mapped pages fault again)
     */
    public boolean mappedWrites() {
        return mappedWrites;
    }

    /**
     * @return whether {@link WriteAheadLog#readAt} reads records by memory copies out of a read-only mapping of each
     *         segment it reads from, where the disk maps reads ({@link io.durakv.api.io.DiskFile#mapForReading};
     *         {@link io.durakv.api.io.LocalDisk#mapsReads()}), instead of a read call per record
     */
    public boolean mappedReads() {
        return mappedReads;
    }

    /**
     * @return in {@link SyncMode#BATCH}, the number of written-but-unforced bytes at which the background force runs
     *         early instead of waiting for the rest of {@link #batchInterval()}
     */
    public long maxUnforcedBytes() {
        return maxUnforcedBytes;
    }

    @Override
    public String toString() {
        return "WalOptions[syncMode=" + syncMode + ", batchInterval=" + batchInterval + ", segmentBytes="
                + segmentBytes + ", preallocate=" + preallocate + ", mappedWrites=" + mappedWrites
                + ", mappedReads=" + mappedReads + ", maxUnforcedBytes=" + maxUnforcedBytes
                + ", disk=" + disk + "]";
    }

    /** Builds {@link WalOptions}; each setter validates its argument. Not thread-safe. */
    public static final class Builder {
        private SyncMode syncMode = SyncMode.SYNC;
        private Duration batchInterval = StoreOptions.DEFAULT_BATCH_INTERVAL;
        private long segmentBytes = DEFAULT_SEGMENT_BYTES;
        private Disk disk = LocalDisk.INSTANCE;
        private boolean preallocate = true;
        private boolean mappedWrites = true;
        private boolean mappedReads = true;
        private long maxUnforcedBytes = DEFAULT_MAX_UNFORCED_BYTES;

        private Builder() {
        }

        /** @param mode when appends are durable */
        public Builder syncMode(SyncMode mode) {
            this.syncMode = Objects.requireNonNull(mode, "syncMode");
            return this;
        }

        /** @param interval longest time between background forces in BATCH mode; 1 ms to 1 h */
        public Builder batchInterval(Duration interval) {
            this.batchInterval = StoreOptions.checkBatchInterval(interval);
            return this;
        }

        /** @param bytes segment size at which the log rotates; 64 KiB to 1 GiB */
        public Builder segmentBytes(long bytes) {
            if (bytes < MIN_SEGMENT_BYTES || bytes > MAX_SEGMENT_BYTES) {
                throw new IllegalArgumentException("wal.segmentBytes must be between " + MIN_SEGMENT_BYTES + " and "
                        + MAX_SEGMENT_BYTES + " bytes, got " + bytes);
            }
            this.segmentBytes = bytes;
            return this;
        }

        /** @param disk the I/O layer to use */
        public Builder disk(Disk disk) {
            this.disk = Objects.requireNonNull(disk, "disk");
            return this;
        }

        /**
         * @param preallocate whether new segments are zero-filled to their full size at creation (default true). Off
         *                    saves the up-front write of a whole segment, at the price of forces that also update
         *                    the file size; durability is the same either way.
         */
        public Builder preallocate(boolean preallocate) {
            this.preallocate = preallocate;
            return this;
        }

        /**
         * @param mappedWrites whether BATCH and NONE logs write through a memory mapping of the preallocated active
         *                     segment where the disk maps files (default true; see {@link WalOptions#mappedWrites()}).
         *                     Off: a write call per group of records, as SYNC does
         */
        public Builder mappedWrites(boolean mappedWrites) {
            this.mappedWrites = mappedWrites;
            return this;
        }

        /**
         * @param mappedReads whether {@link WriteAheadLog#readAt} reads through a read-only memory mapping of each
         *                    segment where the disk maps reads (default true; see {@link WalOptions#mappedReads()}).
         *                    Off: a read call per record
         */
        public Builder mappedReads(boolean mappedReads) {
            this.mappedReads = mappedReads;
            return this;
        }

        /** @param bytes BATCH mode: unforced bytes that trigger an early background force; 4 KiB to 1 GiB */
        public Builder maxUnforcedBytes(long bytes) {
            if (bytes < 4096 || bytes > (1L << 30)) {
                throw new IllegalArgumentException("maxUnforcedBytes must be between 4096 and " + (1L << 30)
                        + " bytes, got " + bytes);
            }
            this.maxUnforcedBytes = bytes;
            return this;
        }

        /** @return the options */
        public WalOptions build() {
            return new WalOptions(this);
        }

    }
}
