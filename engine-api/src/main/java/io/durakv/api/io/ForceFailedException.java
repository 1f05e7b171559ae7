package io.durakv.api.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A force ({@code fsync}, {@code fdatasync}, or a directory's) failed. What it was to make durable is in an unknown
 * state on disk, and retrying cannot fix that (durability-contract.md, "fsyncgate"), so an engine turns read-only on
 * it. Structural work (flush, compaction, merge, checkpoint) tells it apart from a failed write, create, rename or
 * delete — a full disk, typically — which changed nothing durable that anything references, so the work can clean up
 * and retry later. The static helpers force through a {@link Disk} and turn a failure into this exception.
 */
public final class ForceFailedException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * @param what  what was being forced, for the message
     * @param cause the failure
     */
    public ForceFailedException(String what, IOException cause) {
        super("forcing " + what + " failed: " + cause.getMessage(), cause);
    }

    /** Forces {@code file} ({@code metadata}: with its size and other metadata), tagging a failure. */
    public static void force(DiskFile file, boolean metadata) throws ForceFailedException {
        try {
            file.force(metadata);
        } catch (ForceFailedException e) {
            throw e;
        } catch (IOException e) {
            throw new ForceFailedException(file.path().toString(), e);
        }
    }

    /** Forces the entries of directory {@code dir} (creations, renames, deletions), tagging a failure. */
    public static void forceDirectory(Disk disk, Path dir) throws ForceFailedException {
        try {
            disk.forceDirectory(dir);
        } catch (ForceFailedException e) {
            throw e;
        } catch (IOException e) {
            throw new ForceFailedException("the directory " + dir, e);
        }
    }

    /** @return whether {@code e}, one of its causes or one of their suppressed exceptions is a failed force */
    public static boolean isIn(Throwable e) {
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
