package io.durakv.api.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A crashable in-memory {@link Disk} for tests (yours too): it keeps, per file, the forced bytes apart from the written
 * bytes, and per directory the forced entries apart from the current ones, so that {@link #crash(long)} can produce
 * exactly what a power loss could leave behind.
 *
 * <p>Model (after Pebble's crashable MemFS, RocksDB's fault-injection FS and SQLite's crash VFS):
 * <ul>
 *   <li>{@link DiskFile#force} makes the file's written bytes and size durable (both {@code metadata} values);</li>
 *   <li>{@link #forceDirectory} makes the directory's current entries (creates, renames, deletes) durable;</li>
 *   <li>{@link #crash(long)} returns a new disk holding all forced state, plus a seeded random choice among
 *       the unforced 4 KiB pages of each file (none, some or all), pages torn at 512-byte sectors, holes and lost
 *       sectors filled with zeros or garbage, a size anywhere between the forced and the written size, and each
 *       unforced directory entry change undone or kept at random. Everything on the returned disk is forced.</li>
 *   <li>{@link #powerLossAfter(long)} schedules the power loss after the given number of further mutating calls
 *       ({@link DiskOp#mutating()}); from then on every mutating call throws {@link PowerLossException} and the disk
 *       stays frozen;</li>
 *   <li>{@link #inject(FaultRule)} makes chosen calls fail with an {@link IOException}.</li>
 * </ul>
 * Paths are normalised and made absolute; the disk starts with an empty root. Locks are per disk instance and are not
 * carried into a crash image. Deleted files stay readable and writable through handles opened before the delete.
 *
 * <p>Thread-safe: every call holds the disk's monitor.
 */
public final class SimulatedDisk implements Disk {

    /** Page size used when choosing which unforced data a crash keeps. */
    public static final int PAGE_SIZE = 4096;
    /** Sector size at which unforced pages tear. */
    public static final int SECTOR_SIZE = 512;

    /** Creates an empty disk. */
    public SimulatedDisk() {
        throw new UnsupportedOperationException("SimulatedDisk is not implemented yet");
    }

    /**
     * Returns a new disk holding what a power loss at this instant could leave, chosen with {@code seed}: the same
     * disk state and seed always give the same result. This disk is not changed and stays usable.
     */
    public SimulatedDisk crash(long seed) {
        throw new UnsupportedOperationException();
    }

    /**
     * Schedules a power loss: after {@code mutatingCalls} more mutating calls have completed, every further mutating
     * call throws {@link PowerLossException} and changes nothing. {@code 0} means the very next mutating call fails.
     */
    public void powerLossAfter(long mutatingCalls) {
        throw new UnsupportedOperationException();
    }

    /** @return whether the scheduled power loss has happened (a mutating call was refused) */
    public boolean poweredOff() {
        throw new UnsupportedOperationException();
    }

    /** @return the number of mutating calls completed so far (refused and failed calls do not count) */
    public long mutatingCalls() {
        throw new UnsupportedOperationException();
    }

    /** @return how many calls of {@code op} completed so far (injected failures do not count) */
    public long calls(DiskOp op) {
        throw new UnsupportedOperationException();
    }

    /** Adds a fault rule; rules are checked in the order added and the first that fires wins. */
    public void inject(FaultRule rule) {
        throw new UnsupportedOperationException();
    }

    /** Removes every fault rule. */
    public void clearFaults() {
        throw new UnsupportedOperationException();
    }

    /** @return the forced (durable) bytes of {@code file} as a power loss that keeps nothing unforced would leave them */
    public byte[] durableContent(Path file) throws IOException {
        throw new UnsupportedOperationException();
    }

    /** @return the current (written) bytes of {@code file} */
    public byte[] content(Path file) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public DiskFile open(Path file, OpenMode mode) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean exists(Path path) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isDirectory(Path path) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public void delete(Path path) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public DiskLock tryLock(Path lockFile) throws IOException {
        throw new UnsupportedOperationException();
    }
}
