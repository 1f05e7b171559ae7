package io.durakv.bitcask;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForceFailedException;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.PowerLossException;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The disk the engine's own files (merged data, hints, manifest) go through: it passes every call on, and turns the
 * failure of a force, of a file or of a directory, into a {@link ForceFailedException}. Structural work uses the
 * difference (docs/formats/bitcask.md, "Failures"): a failed write, create, rename or delete changed nothing a
 * manifest names, so the work is retried later; a failed force leaves the data's fate unknown
 * (durability-contract.md), so the store fails. A simulated power loss passes through unchanged.
 *
 * <p>Thread-safe if the delegate is.
 */
final class ForceTaggingDisk extends ForwardingDisk {

    ForceTaggingDisk(Disk delegate) {
        super(delegate);
    }

    /** @return whether {@code e}, one of its causes or their suppressed exceptions is a failed force */
    static boolean isForceFailure(Throwable e) {
        return ForceFailedException.isIn(e);
    }

    @Override
    protected DiskFile wrap(DiskFile file) {
        return new ForwardingFile(file) {
            @Override
            public void force(boolean metadata) throws IOException {
                try {
                    delegate.force(metadata);
                } catch (IOException e) {
                    throw tag(delegate.path().toString(), e);
                }
            }
        };
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        try {
            delegate.forceDirectory(dir);
        } catch (IOException e) {
            throw tag("the directory " + dir, e);
        }
    }

    private static IOException tag(String what, IOException e) {
        return e instanceof PowerLossException || e instanceof ForceFailedException ? e
                : new ForceFailedException(what, e);
    }
}
