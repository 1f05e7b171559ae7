package io.durakv.lsm;

import io.durakv.api.io.ForceFailedException;
import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.wal.WalOptions;
import io.durakv.wal.WriteAheadLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The manifest (docs/formats/manifest.md): a log of {@link VersionEdit}s in a {@link WriteAheadLog} opened in
 * {@link SyncMode#SYNC} in its own directory {@code manifest-<generation>/}, so an edit is durable when
 * {@link #append} returns, and the log's framing, checksums and torn-tail rules are the shared WAL's. The file
 * {@code CURRENT} names the live generation; it is replaced by write-temp, force, rename, force-directory. When the log
 * has grown past {@code lsm.manifestRewriteBytes}, {@link #rewrite} writes the whole state into a new generation and
 * switches {@code CURRENT} to it, with the same care.
 *
 * <p>Not thread-safe: the store appends and rewrites from one thread at a time (its maintenance work, or open).
 */
final class Manifest implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Manifest.class);

    /** Segment size of a manifest log: a rewrite's snapshot records and the largest edit fit many times over. */
    static final long SEGMENT_BYTES = 4L << 20;
    /** Largest snapshot record of a rewrite; larger snapshots are split into several records. */
    static final int SNAPSHOT_RECORD_BYTES = 1 << 20;
    static final String CURRENT_HEADER = "durakv-lsm-current 1";

    /**
     * What {@link #open} found: the live files, the covered LSN, the next file number, and the log's last LSN at the
     * latest clean close recorded in this generation (-1 if none).
     */
    record State(Version version, long coveredLsn, long nextFile, long logEndAtClose) {

        State(Version version, long coveredLsn, long nextFile) {
            this(version, coveredLsn, nextFile, -1);
        }
    }

    private final Disk disk;
    private final Path dir;
    private long generation;
    private WriteAheadLog log;
    private long bytes;
    /** Size of the snapshot this generation started with (0 for one replayed at open: all of it may be growth). */
    private long snapshotBytes;
    private final State recovered;
    /** A rewrite failed and may have left CURRENT pointing at its generation: no more edits here. */
    private boolean broken;

    private Manifest(Disk disk, Path dir, long generation, WriteAheadLog log, long bytes, State recovered) {
        this.disk = disk;
        this.dir = dir;
        this.generation = generation;
        this.log = log;
        this.bytes = bytes;
        this.recovered = recovered;
    }

    /**
     * Opens the manifest {@code CURRENT} names, replaying its edits; creates a new empty one if the store is new.
     * Deletes manifest generations {@code CURRENT} does not name (left by a crashed rewrite or creation).
     *
     * @throws CorruptionException if {@code CURRENT} or the manifest is damaged, or {@code CURRENT} is missing from
     *                             a store that has data
     */
    static Manifest open(Disk disk, Path dir) throws IOException {
        Path current = dir.resolve(LsmFormat.CURRENT);
        Manifest m;
        if (disk.exists(current)) {
            long gen = readCurrent(disk, current);
            Path logDir = dir.resolve(LsmFormat.manifestName(gen));
            if (!disk.isDirectory(logDir)) {
                throw new CorruptionException(current, 0, "CURRENT names " + logDir.getFileName()
                        + ", which does not exist");
            }
            WriteAheadLog log = WriteAheadLog.open(logDir, options(disk));
            try {
                long[] size = new long[1];
                State s = replay(log, logDir, size);
                m = new Manifest(disk, dir, gen, log, size[0], s);
            } catch (RuntimeException e) {
                closeQuietly(log, e);
                throw e;
            }
        } else {
            for (String name : disk.list(dir)) {
                if (name.equals(LsmFormat.WAL_DIR) || LsmFormat.sstNumber(name) >= 0) {
                    throw new CorruptionException(current, 0, "CURRENT is missing but the store holds "
                            + dir.resolve(name) + "; refusing to start an empty store over it");
                }
            }
            m = create(disk, dir);
        }
        m.deleteOtherGenerations();
        return m;
    }

    /** Creates generation 1 of a new store: an empty version, covered LSN 0, next file 1; then CURRENT. */
    private static Manifest create(Disk disk, Path dir) throws IOException {
        deleteOtherGenerations(disk, dir, -1);
        State empty = new State(Version.empty(), 0, 1);
        Path logDir = dir.resolve(LsmFormat.manifestName(1));
        WriteAheadLog log = WriteAheadLog.open(logDir, options(disk));
        try {
            long size = writeSnapshot(log, empty);
            writeCurrent(disk, dir, 1);
            LOG.debug("created a new LSM store in {}", dir);
            Manifest m = new Manifest(disk, dir, 1, log, size, empty);
            m.snapshotBytes = size;
            return m;
        } catch (IOException | RuntimeException e) {
            closeQuietly(log, e);
            throw e;
        }
    }

    /** @return the state found at open */
    State recovered() {
        return recovered;
    }

    /** Appends an edit; on return it is durable (the manifest log is SYNC). */
    void append(VersionEdit edit) {
        byte[] record = edit.encode();
        log.append(record); // SYNC: forced before append returns; only now may the caller act on the edit
        bytes += record.length;
    }

    /**
     * @return whether the manifest cannot take edits any more: its log is fail-stop (a failed force), or a rewrite
     *         failed in a way it could not prove undone. A failed append that left it working returns false: the
     *         edit is not in the manifest, and the caller may retry.
     */
    boolean isFailed() {
        return broken || log.isFailed();
    }

    /** @return edit bytes appended since this generation's snapshot (what a rewrite would save) */
    long growth() {
        return bytes - snapshotBytes;
    }

    long generation() {
        return generation;
    }

    /**
     * Rewrites the manifest as a snapshot of {@code state} in generation + 1: create the new log, append the snapshot
     * (forced by each SYNC append), point {@code CURRENT} at it (write temp, force, rename, force directory), and
     * only then delete the old generation. A crash before the rename leaves the old manifest live (the new one is an
     * orphan deleted at open); after it, the new one.
     */
    void rewrite(State state) throws IOException {
        if (broken) {
            throw new IllegalStateException("the manifest of " + dir + " failed earlier; no rewrite");
        }
        long next = generation + 1;
        Path logDir = dir.resolve(LsmFormat.manifestName(next));
        deleteTree(disk, logDir); // an orphan of a failed or crashed rewrite with this number
        WriteAheadLog newLog = WriteAheadLog.open(logDir, options(disk));
        long size;
        try {
            size = writeSnapshot(newLog, state);
        } catch (RuntimeException e) {
            abandonRewrite(newLog, logDir, e);
            throw e;
        }
        try {
            writeCurrent(disk, dir, next);
        } catch (IOException | RuntimeException e) {
            // CURRENT was replaced only if its rename happened: read it back to know which generation is live.
            if (ForceFailedException.isIn(e) || !namesGeneration(generation, e)) {
                broken = true; // fail-stop: the store must not go on appending to a generation that may be dead
                closeQuietly(newLog, e);
                throw e;
            }
            abandonRewrite(newLog, logDir, e);
            throw e;
        }
        WriteAheadLog old = log;
        long oldGeneration = generation;
        log = newLog;
        generation = next;
        bytes = size;
        snapshotBytes = size;
        old.close();
        // CURRENT's rename is durable: the old generation is garbage now.
        try {
            deleteTree(disk, dir.resolve(LsmFormat.manifestName(oldGeneration)));
        } catch (IOException e) {
            // Harmless: CURRENT does not name it, and open deletes every generation CURRENT does not name.
            LOG.warn("could not delete the old manifest generation {} of {}; the next open will: {}", oldGeneration,
                    dir, e.toString());
            return;
        }
        // The deletion durable, so a crash cannot resurrect a stale generation.
        ForceFailedException.forceDirectory(disk, dir);
        LOG.debug("rewrote the manifest of {} as generation {} ({} bytes)", dir, next, size);
    }

    /** @return whether CURRENT (read back) names {@code gen}; false if it cannot be read */
    private boolean namesGeneration(long gen, Exception failure) {
        try {
            return readCurrent(disk, dir.resolve(LsmFormat.CURRENT)) == gen;
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
            return false;
        }
    }

    /** Closes and deletes the new generation of a rewrite that failed before CURRENT named it. */
    private void abandonRewrite(WriteAheadLog newLog, Path logDir, Exception failure) {
        closeQuietly(newLog, failure);
        try {
            deleteTree(disk, logDir);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e); // left for the next rewrite or open, which delete it first
        }
        LOG.warn("rewriting the manifest of {} failed; generation {} stays live: {}", dir, generation,
                failure.toString());
    }

    @Override
    public void close() {
        log.close();
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static WalOptions options(Disk disk) {
        return WalOptions.builder().syncMode(SyncMode.SYNC).segmentBytes(SEGMENT_BYTES).preallocate(false)
                .disk(disk).build();
    }

    private static State replay(WriteAheadLog log, Path logDir, long[] size) {
        Replay r = new Replay(logDir);
        log.replay(0, r::accept);
        size[0] = r.bytes();
        return r.finish();
    }

    /**
     * Applies manifest records in LSN order and checks them (the rules of {@link #open}); used by open, which feeds
     * it from the log, and by the read-only {@link LsmInspector}, which feeds it from
     * {@link io.durakv.wal.WalInspector#verify}.
     */
    static final class Replay {
        private final Path logDir;
        private Version version = Version.empty();
        private long coveredLsn = -1;
        private long nextFile = -1;
        private long logEnd = -1;
        private long bytes;

        Replay(Path logDir) {
            this.logDir = logDir;
        }

        /** Applies one record. @throws CorruptionException if it does not decode or apply */
        void accept(long lsn, byte[] record) {
            VersionEdit e = VersionEdit.decode(record, logDir, lsn);
            try {
                version = version.apply(e);
            } catch (IllegalStateException ex) {
                throw new CorruptionException(logDir, lsn, "manifest record " + lsn + ": " + ex.getMessage()
                        + " (the offset is the record's LSN)", ex);
            }
            if (e.coveredLsn() >= 0) {
                if (e.coveredLsn() < coveredLsn) {
                    throw new CorruptionException(logDir, lsn, "manifest record " + lsn + " moves the covered LSN back"
                            + " from " + coveredLsn + " to " + e.coveredLsn());
                }
                coveredLsn = e.coveredLsn();
            }
            if (e.nextFile() >= 0) {
                nextFile = Math.max(nextFile, e.nextFile());
            }
            logEnd = Math.max(logEnd, e.logEnd());
            bytes += record.length;
        }

        /** @return record bytes applied */
        long bytes() {
            return bytes;
        }

        /** @return the state the records describe. @throws CorruptionException if it is incomplete */
        State finish() {
            if (coveredLsn < 0 || nextFile < 0) {
                throw new CorruptionException(logDir, 0, "the manifest holds no snapshot (covered LSN and next file"
                        + " number are missing)");
            }
            for (FileMeta f : version.allFiles()) {
                if (f.number >= nextFile) {
                    throw new CorruptionException(logDir, 0, "live file #" + f.number + " is not below the next file"
                            + " number " + nextFile);
                }
            }
            return new State(version, coveredLsn, nextFile, logEnd);
        }
    }

    /** Appends {@code state} as snapshot records (each at most {@link #SNAPSHOT_RECORD_BYTES}). @return bytes */
    private static long writeSnapshot(WriteAheadLog log, State state) {
        long size = 0;
        VersionEdit e = new VersionEdit().coveredLsn(state.coveredLsn()).nextFile(state.nextFile());
        int pending = e.encode().length;
        for (VersionEdit.Added a : state.version().asAdded()) {
            int addSize = new VersionEdit().add(a.level(), a.file()).encode().length;
            if (pending + addSize > SNAPSHOT_RECORD_BYTES && !e.added().isEmpty()) {
                byte[] r = e.encode();
                log.append(r); // SYNC: forced
                size += r.length;
                e = new VersionEdit();
                pending = 1;
            }
            e.add(a.level(), a.file());
            pending += addSize - 1;
        }
        byte[] r = e.encode();
        log.append(r); // SYNC: forced; the caller points CURRENT here only after the whole snapshot is durable
        return size + r.length;
    }

    /** @return the generation {@code CURRENT} names. @throws CorruptionException if it is not a valid pointer */
    static long readCurrent(Disk disk, Path current) throws IOException {
        byte[] content;
        try (DiskFile f = disk.open(current, OpenMode.READ)) {
            long size = f.size();
            if (size > 256) {
                throw new CorruptionException(current, 0, "CURRENT is " + size + " bytes long; at most 256 expected");
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            f.readFully(0, b);
            content = b.array();
        }
        String text = new String(content, StandardCharsets.US_ASCII);
        String[] lines = text.split("\n", -1);
        if (lines.length != 4 || !lines[3].isEmpty() || !lines[0].equals(CURRENT_HEADER)
                || !lines[2].startsWith("crc32c ")) {
            throw new CorruptionException(current, 0, "CURRENT is not a valid pointer file");
        }
        String body = lines[0] + "\n" + lines[1] + "\n";
        if (!lines[2].equals("crc32c " + crc(body))) {
            throw new CorruptionException(current, body.length(), "CURRENT checksum mismatch");
        }
        long gen = LsmFormat.manifestNumber(lines[1]);
        if (gen < 1) {
            throw new CorruptionException(current, lines[0].length() + 1, "CURRENT names '" + lines[1]
                    + "', not a manifest directory");
        }
        return gen;
    }

    /** Points CURRENT at {@code generation}: write CURRENT.tmp, force it, rename it over CURRENT, force the dir. */
    private static void writeCurrent(Disk disk, Path dir, long generation) throws IOException {
        String body = CURRENT_HEADER + "\n" + LsmFormat.manifestName(generation) + "\n";
        byte[] content = (body + "crc32c " + crc(body) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path temp = dir.resolve(LsmFormat.CURRENT_TEMP);
        disk.deleteIfExists(temp);
        try (DiskFile f = disk.open(temp, OpenMode.CREATE_NEW)) {
            f.write(0, ByteBuffer.wrap(content));
            ForceFailedException.force(f, true); // the pointer's bytes durable before the rename can make them CURRENT
        }
        disk.rename(temp, dir.resolve(LsmFormat.CURRENT));
        // The rename durable: the new generation is live; the old one may be deleted after.
        ForceFailedException.forceDirectory(disk, dir);
    }

    private static String crc(String body) {
        CRC32C c = new CRC32C();
        c.update(body.getBytes(StandardCharsets.US_ASCII));
        return String.format("%08x", c.getValue());
    }

    private void deleteOtherGenerations() throws IOException {
        deleteOtherGenerations(disk, dir, generation);
    }

    /** Deletes every manifest generation but {@code keep}, and a leftover CURRENT.tmp. */
    private static void deleteOtherGenerations(Disk disk, Path dir, long keep) throws IOException {
        boolean changed = disk.deleteIfExists(dir.resolve(LsmFormat.CURRENT_TEMP));
        for (String name : disk.list(dir)) {
            long gen = LsmFormat.manifestNumber(name);
            if (gen >= 0 && gen != keep && disk.isDirectory(dir.resolve(name))) {
                LOG.info("deleting manifest generation {} of {}: CURRENT does not name it", gen, dir);
                deleteTree(disk, dir.resolve(name));
                changed = true;
            }
        }
        if (changed) {
            disk.forceDirectory(dir); // garbage gone for good before anything reuses its names
        }
    }

    /** Deletes a manifest log directory: its files, then itself. Does nothing if it does not exist. */
    static void deleteTree(Disk disk, Path logDir) throws IOException {
        if (!disk.exists(logDir)) {
            return;
        }
        List<String> names = new ArrayList<>(disk.list(logDir));
        for (String name : names) {
            disk.delete(logDir.resolve(name));
        }
        disk.delete(logDir);
    }

    private static void closeQuietly(WriteAheadLog log, Exception failure) {
        try {
            log.close();
        } catch (StoreException e) {
            failure.addSuppressed(e);
        }
    }
}
