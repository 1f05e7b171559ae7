package io.durakv.lsm;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskLock;
import io.durakv.api.io.LocalDisk;
import io.durakv.api.tools.StoreInspector;
import io.durakv.wal.WalInspector;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The offline tools of the {@code "lsm"} engine ({@link io.durakv.api.tools.DuraKvTool}), registered for
 * {@link java.util.ServiceLoader}. Read-only: no recovery runs, the manifest is replayed from its segments without
 * opening its log, and the store's lock is held while reading.
 *
 * <ul>
 *   <li>{@code verify}: {@code CURRENT}; the manifest generation it names, frame by frame ({@link WalInspector}) and
 *       edit by edit (the checks of {@code Manifest.open}); every live SSTable end to end with the checks of
 *       {@link LsmStore#verify()} ({@link SstReader#verify()}, the manifest's key, sequence and entry figures, level
 *       order); the write-ahead log frame by frame, the covered LSN against its range, and every record after the
 *       covered LSN decoding as a batch.</li>
 *   <li>{@code dump}: one SSTable (its properties and entries), {@code CURRENT}, or one segment of the write-ahead log
 *       or of a manifest (edits decoded).</li>
 *   <li>{@code stats}: levels, files, bytes and entries per level, the covered LSN, log segments and records pending
 *       replay.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class LsmInspector implements StoreInspector {

    /** Block cache of the tools' own table cache: they read every block once, from the file. */
    private static final long CACHE_BYTES = 1 << 20;
    private static final int OPEN_FILES = 16;

    /** Creates the inspector (for {@link java.util.ServiceLoader}). */
    public LsmInspector() {
    }

    @Override
    public String engine() {
        return LsmEngine.NAME;
    }

    @Override
    public boolean verify(Path dir, PrintStream report) throws IOException {
        Disk disk = LocalDisk.INSTANCE;
        try (DiskLock lock = DiskLock.lockForInspection(disk, dir, LsmFormat.LOCK_FILE)) {
            Manifest.State state;
            try {
                state = readManifest(disk, dir, report);
            } catch (CorruptionException e) {
                report.println("DAMAGE: " + e.getMessage());
                verifyTableFiles(disk, dir, report);
                verifyLog(disk, dir, null, report);
                return false;
            }
            if (state == null) {
                report.println("note: no CURRENT and no data: an empty or never-opened store");
                return true;
            }
            boolean sound = verifyTables(disk, dir, state, report);
            return verifyLog(disk, dir, state, report) && sound;
        }
    }

    /**
     * Replays the manifest {@code CURRENT} names without opening (and so repairing) its log.
     *
     * @return its state, or {@code null} for a store without {@code CURRENT} and without data
     * @throws CorruptionException if {@code CURRENT} or the manifest is damaged
     */
    private static Manifest.State readManifest(Disk disk, Path dir, PrintStream report) throws IOException {
        Path current = dir.resolve(LsmFormat.CURRENT);
        if (!disk.exists(current)) {
            for (String name : disk.list(dir)) {
                if (name.equals(LsmFormat.WAL_DIR) || LsmFormat.sstNumber(name) >= 0) {
                    throw new CorruptionException(current, 0, "CURRENT is missing but the store holds "
                            + dir.resolve(name));
                }
            }
            return null;
        }
        long generation = Manifest.readCurrent(disk, current);
        Path logDir = dir.resolve(LsmFormat.manifestName(generation));
        if (!disk.isDirectory(logDir)) {
            throw new CorruptionException(current, 0, "CURRENT names " + logDir.getFileName()
                    + ", which does not exist");
        }
        for (String name : disk.list(dir)) {
            long gen = LsmFormat.manifestNumber(name);
            if (gen >= 0 && gen != generation) {
                report.println("note: " + dir.resolve(name) + " is a manifest generation CURRENT does not name"
                        + " (left by an interrupted rewrite); open deletes it");
            }
        }
        Manifest.Replay replay = new Manifest.Replay(logDir);
        WalInspector.Summary log = WalInspector.verify(disk, logDir, replay::accept, report);
        if (log.damaged()) {
            throw new CorruptionException(logDir, 0, "the manifest log is damaged (see above)");
        }
        Manifest.State state = replay.finish();
        report.println("manifest: generation " + generation + ", " + log.records() + " edits, covered LSN "
                + state.coveredLsn() + ", next file " + state.nextFile() + ", " + state.version().allFiles().size()
                + " live tables");
        return state;
    }

    private static boolean verifyTables(Disk disk, Path dir, Manifest.State state, PrintStream report)
            throws IOException {
        Set<Long> live = new HashSet<>();
        boolean[] sound = {true};
        List<FileMeta> present = new ArrayList<>();
        for (FileMeta f : state.version().allFiles()) {
            live.add(f.number);
            Path p = LsmFormat.sstPath(dir, f.number);
            if (disk.exists(p)) {
                present.add(f);
            } else {
                report.println("DAMAGE: " + p + " at offset 0: SSTable #" + f.number + " named by the manifest is"
                        + " missing");
                sound[0] = false;
            }
        }
        for (String name : disk.list(dir)) {
            long n = LsmFormat.sstNumber(name);
            if (n >= 0 && !live.contains(n)) {
                report.println("note: " + dir.resolve(name) + " is not named by the manifest (output of an"
                        + " interrupted flush or compaction); open deletes it");
            }
        }
        // Missing tables are reported above; every present one is checked, each problem reported.
        List<List<FileMeta>> levels = new ArrayList<>();
        for (int level = 0; level < LsmFormat.LEVELS; level++) {
            List<FileMeta> files = new ArrayList<>(state.version().files(level));
            files.retainAll(present);
            levels.add(files);
        }
        try (TableCache tables = new TableCache(disk, OPEN_FILES, new BlockCache(CACHE_BYTES))) {
            new Verifier(dir, disk, tables).verifyTables(new Version(levels), state.coveredLsn(), problem -> {
                report.println("DAMAGE: " + damage(problem).getMessage());
                sound[0] = false;
            });
        }
        if (sound[0]) {
            report.println("tables: " + live.size() + " SSTables, checksums, order and manifest figures sound");
        }
        return sound[0];
    }

    /**
     * With the manifest damaged no table list can be trusted: checks every SSTable file in {@code dir} on its own
     * (checksums, structure, order, its own properties), reporting each damaged one.
     *
     * @return whether every table file is sound
     */
    private static boolean verifyTableFiles(Disk disk, Path dir, PrintStream report) throws IOException {
        boolean sound = true;
        int checked = 0;
        for (String name : disk.list(dir).stream().sorted().toList()) {
            long n = LsmFormat.sstNumber(name);
            if (n < 0) {
                continue;
            }
            checked++;
            try (SstReader r = SstReader.open(disk, dir.resolve(name), n, null)) {
                r.verify();
            } catch (StoreException e) {
                report.println("DAMAGE: " + damage(e).getMessage());
                sound = false;
            }
        }
        report.println("tables: " + checked + " SSTable files checked on their own (the manifest is damaged)");
        return sound;
    }

    /** @return the corruption behind {@code e} (naming file and offset) if there is one, else {@code e} */
    private static StoreException damage(StoreException e) {
        return e instanceof CorruptionException ? e : e.getCause() instanceof CorruptionException ce ? ce : e;
    }

    private static boolean verifyLog(Disk disk, Path dir, Manifest.State state, PrintStream report)
            throws IOException {
        Path walDir = dir.resolve(LsmFormat.WAL_DIR);
        long covered = state == null ? 0 : state.coveredLsn();
        if (!disk.isDirectory(walDir)) {
            if (covered > 0) {
                report.println("DAMAGE: " + walDir + " at offset 0: the log directory is missing, the manifest's"
                        + " covered LSN is " + covered);
                return false;
            }
            report.println("note: no log directory (a new store)");
            return true;
        }
        WalInspector.Summary wal = WalInspector.verifyBatches(disk, walDir, covered, report);
        boolean sound = !wal.damaged();
        report.println("log: " + wal.describe() + ", " + Math.max(0, wal.lastLsn() - covered) + " after the covered LSN"
                + (wal.closedClean() ? ", closed cleanly" : ""));
        if (state == null || wal.segments() == 0) {
            return sound;
        }
        // The rules of LsmStore's recovery, reported instead of thrown.
        if (wal.lastLsn() < covered) {
            report.println("DAMAGE: " + walDir + " at offset 0: the log ends at LSN " + wal.lastLsn()
                    + " but the manifest says SSTables cover records up to " + covered);
            sound = false;
        }
        if (wal.firstLsn() > covered + 1) {
            report.println("DAMAGE: " + walDir + " at offset 0: the log starts at LSN " + wal.firstLsn()
                    + " but records after " + covered + " are not in any SSTable");
            sound = false;
        }
        if (wal.lastLsn() < state.logEndAtClose()) {
            report.println("DAMAGE: " + walDir + " at offset 0: the log ends at LSN " + wal.lastLsn()
                    + " but the manifest recorded a clean close at LSN " + state.logEndAtClose()
                    + " (forced records were lost)");
            sound = false;
        }
        return sound;
    }

    @Override
    public void dump(Path file, PrintStream out) throws IOException {
        Disk disk = LocalDisk.INSTANCE;
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        if (WalInspector.isSegment(file)) {
            Path parent = file.getParent() == null ? null : file.getParent().getFileName();
            boolean manifest = parent != null && LsmFormat.manifestNumber(parent.toString()) >= 0;
            WalInspector.dump(disk, file, manifest ? record -> describeEdit(file, record)
                    : WalInspector::describeBatch, out);
            return;
        }
        if (name.equals(LsmFormat.CURRENT)) {
            out.println(file + ": names manifest generation " + Manifest.readCurrent(disk, file) + " ("
                    + LsmFormat.manifestName(Manifest.readCurrent(disk, file)) + "), checksum sound");
            return;
        }
        long number = LsmFormat.sstNumber(name);
        if (number < 0) {
            throw new IllegalArgumentException(file + " is neither an SSTable (NNNNNN.sst), CURRENT, nor a log or"
                    + " manifest segment");
        }
        try (SstReader r = SstReader.open(disk, file, number, null)) {
            SstMeta m = r.meta();
            out.println(file + ": " + m.fileBytes() + " bytes, " + m.entries() + " entries, keys " + WalInspector.text(
                    m.smallestKey()) + " to " + WalInspector.text(m.largestKey()) + ", sequences " + m.smallestSequence() + " to "
                    + m.largestSequence());
            long count = 0;
            try (InternalIterator it = r.iterator()) {
                for (it.seekToFirst(); it.valid(); it.next()) {
                    byte[] v = it.value();
                    out.println("  " + WalInspector.text(it.key()) + " @" + it.sequence() + " "
                            + (it.kind() == EntryKind.PUT ? "put " + (v == null ? 0 : v.length) + " B" : "delete"));
                    count++;
                }
            } catch (StoreException e) {
                out.println("  first damage after " + count + " entries: " + e.getMessage());
                throw e;
            }
        }
    }

    @Override
    public void stats(Path dir, PrintStream out) throws IOException {
        Disk disk = LocalDisk.INSTANCE;
        try (DiskLock lock = DiskLock.lockForInspection(disk, dir, LsmFormat.LOCK_FILE)) {
            Manifest.State state = readManifest(disk, dir, new PrintStream(PrintStream.nullOutputStream()));
            out.println("engine: lsm, directory " + dir);
            if (state == null) {
                out.println("empty store: no CURRENT");
                return;
            }
            long files = 0;
            long bytes = 0;
            long entries = 0;
            for (int level = 0; level < LsmFormat.LEVELS; level++) {
                List<FileMeta> level0 = state.version().files(level);
                long b = 0;
                long e = 0;
                for (FileMeta f : level0) {
                    b += f.fileBytes;
                    e += f.entries;
                }
                files += level0.size();
                bytes += b;
                entries += e;
                out.println("L" + level + ": " + level0.size() + " files, " + b + " bytes, " + e + " entries");
            }
            out.println("tables: " + files + " files, " + bytes + " bytes, " + entries
                    + " entries (puts and tombstones, all versions); covered LSN " + state.coveredLsn());
            Path walDir = dir.resolve(LsmFormat.WAL_DIR);
            if (disk.isDirectory(walDir)) {
                long[] pending = {0, 0};
                WalInspector.Summary wal = WalInspector.verify(disk, walDir, (lsn, record) -> {
                    if (lsn > state.coveredLsn()) {
                        pending[0]++;
                        pending[1] += record.length;
                    }
                }, new PrintStream(PrintStream.nullOutputStream()));
                out.println("log: " + wal.describe() + "; " + pending[0] + " records (" + pending[1]
                        + " bytes) after the covered LSN, replayed on open");
            }
        }
    }

    private static String describeEdit(Path segment, byte[] record) {
        VersionEdit e;
        try {
            e = VersionEdit.decode(record, segment, 0);
        } catch (CorruptionException ex) {
            return "not a manifest edit: " + ex.getMessage();
        }
        StringBuilder s = new StringBuilder("edit");
        if (e.coveredLsn() >= 0) {
            s.append(" covered LSN ").append(e.coveredLsn());
        }
        if (e.nextFile() >= 0) {
            s.append(" next file ").append(e.nextFile());
        }
        if (e.logEnd() >= 0) {
            s.append(" clean close at LSN ").append(e.logEnd());
        }
        for (VersionEdit.Added a : e.added()) {
            s.append("; add L").append(a.level()).append(" #").append(a.file().number).append(" (")
                    .append(a.file().fileBytes).append(" B, ").append(a.file().entries).append(" entries)");
        }
        for (VersionEdit.Deleted d : e.deleted()) {
            s.append("; delete L").append(d.level()).append(" #").append(d.number());
        }
        return s.toString();
    }
}
