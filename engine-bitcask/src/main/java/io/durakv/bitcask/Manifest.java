package io.durakv.bitcask;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.Disk;
import io.durakv.wal.FramedFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The merge manifest {@code MERGE} (docs/formats/bitcask.md, "Manifest"): the current merge generation and the LSN
 * before which every log record is represented by that generation's data file. It is the single switch of the merge
 * protocol: written to {@code MERGE.tmp}, forced, renamed over {@code MERGE}, directory forced. Before the rename is
 * durable the old generation and the old log segments are the store; after it, the new generation and the segments
 * from {@link #mergedBefore()} on. A store without the file has never merged: generation 0, every record in the log.
 *
 * @param generation   the current merge generation, 0 for none
 * @param mergedBefore log records with a smaller LSN live in the generation's data file (1 when none)
 */
record Manifest(long generation, long mergedBefore) {

    static final Manifest EMPTY = new Manifest(0, 1);

    /**
     * @return the manifest in {@code dir}, or {@link #EMPTY} if there is none
     * @throws CorruptionException if it exists but is damaged: it was forced, so damage is never ignored
     */
    static Manifest read(Disk disk, Path dir) throws IOException {
        Path path = dir.resolve(BitcaskFormat.MANIFEST);
        if (!disk.exists(path)) {
            return EMPTY;
        }
        List<byte[]> frames = new ArrayList<>();
        FramedFile.scan(disk, path, (seq, offset, payload) -> frames.add(payload));
        if (frames.size() != 1) {
            throw new CorruptionException(path, 0, "manifest holds " + frames.size() + " frames, not 1");
        }
        byte[] identity = frames.get(0);
        if (identity.length != BitcaskFormat.IDENTITY_BYTES) {
            throw new CorruptionException(path, 0, "manifest frame of " + identity.length + " bytes");
        }
        long generation = java.nio.ByteBuffer.wrap(identity, BitcaskFormat.MAGIC.length + 5, 8).getLong();
        long mergedBefore = BitcaskFormat.checkIdentity(identity, path, 0, BitcaskFormat.KIND_MANIFEST, generation);
        if (generation < 1 || generation > BitcaskFormat.MAX_GENERATION || mergedBefore < 1) {
            throw new CorruptionException(path, 0, "manifest names generation " + generation + " and LSN "
                    + mergedBefore);
        }
        return new Manifest(generation, mergedBefore);
    }

    /** Makes this manifest the durable one: temp file, force, rename, directory force. */
    void write(Disk disk, Path dir) throws IOException {
        Path tmp = dir.resolve(BitcaskFormat.MANIFEST_TMP);
        disk.deleteIfExists(tmp);
        try (FramedFile.Writer w = FramedFile.create(disk, tmp)) {
            w.append(1, BitcaskFormat.identity(BitcaskFormat.KIND_MANIFEST, generation, mergedBefore));
            w.finish(); // forces the manifest's bytes: the rename below must never name unforced content
        }
        disk.rename(tmp, dir.resolve(BitcaskFormat.MANIFEST));
        // Forces the rename: the switch to this generation is durable from here; only now may the files it replaces
        // be deleted.
        disk.forceDirectory(dir);
    }
}
