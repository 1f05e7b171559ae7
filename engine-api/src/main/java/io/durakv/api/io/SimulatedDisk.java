package io.durakv.api.io;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

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
 * <p>Calls and their {@link DiskOp}: each completed call counts once as its kind, in the order of the real calls a
 * {@link LocalDisk} makes. {@link #createDirectories} counts one {@link DiskOp#MKDIR} per directory it creates (top
 * down), then one {@link DiskOp#FORCE_DIRECTORY} per parent of each (so a power loss can fall between them, leaving
 * a new directory not yet durable). {@link #tryLock} counts a {@link DiskOp#CREATE} if it creates the lock file, then
 * a {@link DiskOp#LOCK}. {@link #deleteIfExists} of a missing name counts nothing. A call is checked in this order,
 * and one that fails counts nothing: its arguments (missing file, closed handle, ...), then the power loss, then the
 * fault rules; so a call that fails for its arguments neither meets the power loss nor counts towards a fault rule.
 * A rename matches a fault rule if the rule's pattern is found in its source or its target; other calls match on
 * their normalised absolute path. {@link #content}, {@link #durableContent} and {@link #describe} are for
 * inspection: never counted, never failed.
 *
 * <p>A crash decides each unforced directory entry on its own, so an unforced rename may leave the old name, the new
 * one, or both (as hard links of one file); never neither, since journaling file systems make a rename atomic — a
 * file renamed but not deleted always keeps at least one name. A directory keeps at most one name.
 *
 * <p>Thread-safe: every call, including those of open files and locks, holds the disk's monitor.
 */
public final class SimulatedDisk implements Disk {

    /** Page size used when choosing which unforced data a crash keeps. */
    public static final int PAGE_SIZE = 4096;
    /** Sector size at which unforced pages tear. */
    public static final int SECTOR_SIZE = 512;

    // All fields are guarded by this disk's monitor.
    private final SimDirectory root;
    private final SimCalls calls = new SimCalls();
    private final Set<SimInode> locked = Collections.newSetFromMap(new IdentityHashMap<>());

    /** Creates an empty disk. */
    public SimulatedDisk() {
        this(new SimDirectory());
    }

    private SimulatedDisk(SimDirectory root) {
        this.root = root;
    }

    /**
     * Returns a new disk holding what a power loss at this instant could leave, chosen with {@code seed}: the same
     * disk state and seed always give the same result. This disk is not changed and stays usable.
     */
    public synchronized SimulatedDisk crash(long seed) {
        return new SimulatedDisk(SimCrash.image(root, seed));
    }

    /**
     * Schedules a power loss: after {@code mutatingCalls} more mutating calls have completed, every further mutating
     * call throws {@link PowerLossException} and changes nothing. {@code 0} means the very next mutating call fails.
     * A new schedule replaces the previous one and powers a frozen disk back on; {@code Long.MAX_VALUE} cancels.
     */
    public synchronized void powerLossAfter(long mutatingCalls) {
        if (mutatingCalls < 0) {
            throw new IllegalArgumentException("mutatingCalls must be >= 0, got " + mutatingCalls);
        }
        calls.powerLossAfter(mutatingCalls);
    }

    /** @return whether the scheduled power loss has happened (a mutating call was refused) */
    public synchronized boolean poweredOff() {
        return calls.poweredOff();
    }

    /** @return the number of mutating calls completed so far (refused and failed calls do not count) */
    public synchronized long mutatingCalls() {
        return calls.mutatingCalls();
    }

    /** @return how many calls of {@code op} completed so far (injected failures do not count) */
    public synchronized long calls(DiskOp op) {
        return calls.calls(Objects.requireNonNull(op, "op"));
    }

    /**
     * Adds a fault rule; rules are checked in the order added and the first that fires wins. Every matching rule
     * counts the call (and a probabilistic one draws for it) even when an earlier rule fires, so whether a rule fires
     * depends only on the calls it matches.
     */
    public synchronized void inject(FaultRule rule) {
        calls.faults().add(Objects.requireNonNull(rule, "rule"));
    }

    /** Removes every fault rule. */
    public synchronized void clearFaults() {
        calls.faults().clear();
    }

    /**
     * @return the forced (durable) bytes of the file {@code file} now names, as a power loss that keeps nothing unforced
     *         would leave them (whether the name itself survives is up to its directory's force)
     */
    public synchronized byte[] durableContent(Path file) throws IOException {
        return existingFile(absolute(file)).durableContent();
    }

    /** @return the current (written) bytes of {@code file} */
    public synchronized byte[] content(Path file) throws IOException {
        return existingFile(absolute(file)).content();
    }

    /**
     * @return a listing for debugging a failed crash test: every file with its current and durable size and number
     *         of unforced pages, and every directory entry change not yet forced
     */
    public synchronized String describe() {
        StringBuilder out = new StringBuilder(toString());
        SimDescription.describe(rootPath(), root, out);
        return out.toString();
    }

    @Override
    public synchronized String toString() {
        return "SimulatedDisk[" + calls + ", locks=" + locked.size() + "]";
    }

    @Override
    public synchronized DiskFile open(Path file, OpenMode mode) throws IOException {
        Objects.requireNonNull(mode, "mode");
        Path path = absolute(file);
        SimNode node = find(path);
        if (node instanceof SimDirectory) {
            throw new FileSystemException(path.toString(), null, "is a directory");
        }
        if (node == null) {
            if (mode == OpenMode.READ || mode == OpenMode.READ_WRITE) {
                throw new NoSuchFileException(path.toString());
            }
            return new SimFile(this, file, path, createFile(path), true);
        }
        if (mode == OpenMode.CREATE_NEW) {
            throw new FileAlreadyExistsException(path.toString());
        }
        calls.begin(DiskOp.OPEN, path);
        calls.completed(DiskOp.OPEN);
        return new SimFile(this, file, path, (SimInode) node, mode.writable());
    }

    @Override
    public synchronized boolean exists(Path path) throws IOException {
        Path abs = absolute(path);
        calls.begin(DiskOp.LIST, abs);
        boolean exists = find(abs) != null;
        calls.completed(DiskOp.LIST);
        return exists;
    }

    @Override
    public synchronized boolean isDirectory(Path path) throws IOException {
        Path abs = absolute(path);
        calls.begin(DiskOp.LIST, abs);
        boolean isDirectory = find(abs) instanceof SimDirectory;
        calls.completed(DiskOp.LIST);
        return isDirectory;
    }

    @Override
    public synchronized List<String> list(Path dir) throws IOException {
        Path abs = absolute(dir);
        SimDirectory directory = existingDirectory(abs);
        calls.begin(DiskOp.LIST, abs);
        List<String> names = new ArrayList<>(directory.names());
        calls.completed(DiskOp.LIST);
        return names;
    }

    @Override
    public synchronized void createDirectories(Path dir) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path p = absolute(dir); !(find(p) instanceof SimDirectory); p = p.getParent()) {
            if (find(p) != null) {
                throw new FileAlreadyExistsException(p.toString(), null, "exists and is not a directory");
            }
            missing.add(0, p);
        }
        for (Path p : missing) {
            calls.begin(DiskOp.MKDIR, p);
            ((SimDirectory) find(p.getParent())).put(name(p), new SimDirectory());
            calls.completed(DiskOp.MKDIR);
        }
        // As LocalDisk: only after all are created, force each new directory's parent so the whole path is durable.
        for (Path p : missing) {
            forceDirectory(p.getParent());
        }
    }

    @Override
    public synchronized void rename(Path source, Path target) throws IOException {
        Path from = absolute(source);
        Path to = absolute(target);
        SimNode node = find(from);
        if (node == null) {
            throw new NoSuchFileException(from.toString());
        }
        SimDirectory fromParent = parentOf(from);
        SimDirectory toParent = parentOf(to);
        SimNode replaced = find(to);
        if (node instanceof SimDirectory && to.startsWith(from) && !to.equals(from)) {
            throw new FileSystemException(from.toString(), to.toString(), "cannot move a directory into itself");
        }
        if (replaced instanceof SimDirectory dir && replaced != node) {
            if (!(node instanceof SimDirectory)) {
                throw new FileSystemException(from.toString(), to.toString(), "target is a directory");
            }
            if (!dir.isEmpty()) {
                throw new DirectoryNotEmptyException(to.toString());
            }
        } else if (replaced != null && node instanceof SimDirectory && replaced != node) {
            throw new NotDirectoryException(to.toString());
        }
        calls.begin(DiskOp.RENAME, from, to);
        // As POSIX rename(2): if both names already name the same node, nothing changes.
        if (replaced != node) {
            fromParent.remove(name(from));
            toParent.put(name(to), node);
        }
        calls.completed(DiskOp.RENAME);
    }

    @Override
    public synchronized void delete(Path path) throws IOException {
        Path abs = absolute(path);
        if (!deleteIfExists(abs)) {
            throw new NoSuchFileException(abs.toString());
        }
    }

    @Override
    public synchronized boolean deleteIfExists(Path path) throws IOException {
        Path abs = absolute(path);
        SimNode node = find(abs);
        if (node == null) {
            return false;
        }
        if (node instanceof SimDirectory dir && !dir.isEmpty()) {
            throw new DirectoryNotEmptyException(abs.toString());
        }
        SimDirectory parent = parentOf(abs);
        calls.begin(DiskOp.DELETE, abs);
        parent.remove(name(abs));
        calls.completed(DiskOp.DELETE);
        return true;
    }

    @Override
    public synchronized void forceDirectory(Path dir) throws IOException {
        Path abs = absolute(dir);
        SimDirectory directory = existingDirectory(abs);
        calls.begin(DiskOp.FORCE_DIRECTORY, abs);
        directory.force();
        calls.completed(DiskOp.FORCE_DIRECTORY);
    }

    @Override
    public synchronized DiskLock tryLock(Path lockFile) throws IOException {
        Path abs = absolute(lockFile);
        SimNode node = find(abs);
        if (node instanceof SimDirectory) {
            throw new FileSystemException(abs.toString(), null, "is a directory");
        }
        SimInode inode = node == null ? createFile(abs) : (SimInode) node;
        calls.begin(DiskOp.LOCK, abs);
        boolean acquired = locked.add(inode);
        calls.completed(DiskOp.LOCK);
        return acquired ? new SimLock(this, inode) : null;
    }

    /** Releases a lock taken by {@link #tryLock}; called by {@link SimLock#close()} under this monitor. */
    void unlock(SimInode inode) {
        locked.remove(inode);
    }

    /** @return the gate and count of this disk's calls, for {@link SimFile} (under this monitor) */
    SimCalls calls() {
        return calls;
    }

    private SimInode createFile(Path path) throws IOException {
        SimDirectory parent = parentOf(path);
        calls.begin(DiskOp.CREATE, path);
        SimInode inode = new SimInode();
        parent.put(name(path), inode);
        calls.completed(DiskOp.CREATE);
        return inode;
    }

    private static Path absolute(Path path) {
        return path.toAbsolutePath().normalize();
    }

    private static Path rootPath() {
        return absolute(Path.of("")).getRoot();
    }

    private static String name(Path path) {
        return path.getFileName().toString();
    }

    /** @return the node at {@code path} (absolute), or null if it or a parent directory is missing */
    private SimNode find(Path path) {
        SimNode node = root;
        for (Path name : path) {
            if (!(node instanceof SimDirectory dir)) {
                return null;
            }
            node = dir.get(name.toString());
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    /** @return the directory that holds, or would hold, {@code path}'s name */
    private SimDirectory parentOf(Path path) throws IOException {
        Path parent = path.getParent();
        if (parent == null) {
            throw new FileSystemException(path.toString(), null, "the root directory has no parent");
        }
        SimNode node = find(parent);
        if (node == null) {
            throw new NoSuchFileException(path.toString(), null, "parent directory does not exist");
        }
        if (!(node instanceof SimDirectory dir)) {
            throw new NotDirectoryException(parent.toString());
        }
        return dir;
    }

    private SimDirectory existingDirectory(Path path) throws IOException {
        SimNode node = find(path);
        if (node == null) {
            throw new NoSuchFileException(path.toString());
        }
        if (!(node instanceof SimDirectory dir)) {
            throw new NotDirectoryException(path.toString());
        }
        return dir;
    }

    private SimInode existingFile(Path path) throws IOException {
        SimNode node = find(path);
        if (node == null) {
            throw new NoSuchFileException(path.toString());
        }
        if (!(node instanceof SimInode inode)) {
            throw new FileSystemException(path.toString(), null, "is a directory");
        }
        return inode;
    }
}
