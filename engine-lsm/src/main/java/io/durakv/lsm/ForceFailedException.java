package io.durakv.lsm;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A force (fsync) failed: what it was to make durable is in an unknown state on disk, so the store fails (fail-stop,
 * durability-contract.md) instead of retrying. Background work tells it apart from a failed write, create or rename
 * (no space), which it cleans up after and retries. The helpers force and turn a failure into this exception.
 */
final class ForceFailedException extends IOException {

    private static final long serialVersionUID = 1L;

    private ForceFailedException(String what, IOException cause) {
        super("force of " + what + " failed: " + cause, cause);
    }

    /** Forces {@code f}'s contents and metadata. */
    static void force(DiskFile f) throws ForceFailedException {
        try {
            f.force(true);
        } catch (IOException e) {
            throw new ForceFailedException(f.path().toString(), e);
        }
    }

    /** Forces the directory {@code dir} (its entries: creations, renames, deletions). */
    static void forceDirectory(Disk disk, Path dir) throws ForceFailedException {
        try {
            disk.forceDirectory(dir);
        } catch (IOException e) {
            throw new ForceFailedException("directory " + dir, e);
        }
    }

    /** @return whether {@code e}, its causes or its suppressed exceptions include a failed force */
    static boolean isIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ForceFailedException) {
                return true;
            }
            for (Throwable s : t.getSuppressed()) {
                if (isIn(s)) {
                    return true;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
