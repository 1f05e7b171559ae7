package io.durakv.api.io;

/**
 * The kinds of {@link Disk} call, for {@link FaultRule}s and call counts of a {@link SimulatedDisk}. Mutating kinds
 * are the ones a simulated power loss can fall between.
 */
public enum DiskOp {
    /** {@link Disk#open} that creates a file (CREATE of an absent file, CREATE_NEW). Mutating. */
    CREATE(true),
    /** {@link Disk#open} of an existing file. */
    OPEN(false),
    /** {@link DiskFile#read}. */
    READ(false),
    /** {@link DiskFile#write} and {@link DiskFile#append}. Mutating. */
    WRITE(true),
    /** {@link DiskFile#force}. Mutating (it changes what a power loss keeps). */
    FORCE(true),
    /** {@link DiskFile#truncate}. Mutating. */
    TRUNCATE(true),
    /** {@link Disk#rename}. Mutating. */
    RENAME(true),
    /** {@link Disk#delete} and {@link Disk#deleteIfExists} of an existing name. Mutating. */
    DELETE(true),
    /** {@link Disk#createDirectories} that creates a directory. Mutating. */
    MKDIR(true),
    /** {@link Disk#forceDirectory}. Mutating. */
    FORCE_DIRECTORY(true),
    /** {@link Disk#list}, {@link Disk#exists}, {@link Disk#isDirectory}, {@link DiskFile#size}. */
    LIST(false),
    /** {@link Disk#tryLock}. */
    LOCK(false);

    private final boolean mutating;

    DiskOp(boolean mutating) {
        this.mutating = mutating;
    }

    /** @return whether a call of this kind changes what is on the disk or what a power loss keeps */
    public boolean mutating() {
        return mutating;
    }
}
