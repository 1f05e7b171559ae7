package io.durakv.bitcask;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.OpenMode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the structural work a test's workloads caused: manifest renames (one per merge reaching its switch), merged
 * data files and segment hint files created. Used to prove that crash tests really crash inside merges.
 */
final class MergeCountingDisk extends ForwardingDisk {

    final AtomicLong manifestRenames;
    final AtomicLong mergeFilesCreated;
    final AtomicLong segmentHintsCreated;

    MergeCountingDisk(Disk delegate, AtomicLong manifestRenames, AtomicLong mergeFilesCreated,
                      AtomicLong segmentHintsCreated) {
        super(delegate);
        this.manifestRenames = manifestRenames;
        this.mergeFilesCreated = mergeFilesCreated;
        this.segmentHintsCreated = segmentHintsCreated;
    }

    @Override
    public DiskFile open(Path file, OpenMode mode) throws IOException {
        DiskFile f = super.open(file, mode);
        if (mode == OpenMode.CREATE_NEW) {
            String name = file.getFileName().toString();
            if (BitcaskFormat.parseMergeName(name) >= 0) {
                mergeFilesCreated.incrementAndGet();
            } else if (BitcaskFormat.parseSegmentHintName(name) >= 0) {
                segmentHintsCreated.incrementAndGet();
            }
        }
        return f;
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        super.rename(source, target);
        if (target.getFileName().toString().equals(BitcaskFormat.MANIFEST)) {
            manifestRenames.incrementAndGet();
        }
    }
}
