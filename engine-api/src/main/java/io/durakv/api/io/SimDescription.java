package io.durakv.api.io;

import java.nio.file.Path;

/**
 * The listing of {@link SimulatedDisk#describe()}: one line per current name with what a crash could change about it,
 * and one per deleted name whose deletion is not yet durable. For reading when a crash test fails.
 */
final class SimDescription {

    private SimDescription() {
    }

    /** Appends the lines of the tree under {@code root}, named {@code rootPath}. */
    static void describe(Path rootPath, SimDirectory root, StringBuilder out) {
        directory(rootPath, root, "", out);
    }

    private static void directory(Path path, SimDirectory dir, String entry, StringBuilder out) {
        out.append('\n').append(path).append(path.getFileName() == null ? "" : "/").append(entry);
        for (String name : dir.currentAndDurableNames()) {
            SimNode current = dir.get(name);
            SimNode durable = dir.durable(name);
            Path child = path.resolve(name);
            String change = current == durable ? ""
                    : current == null ? "  [deleted, directory not forced]"
                    : durable == null ? "  [new name, directory not forced]"
                    : "  [replaced, directory not forced]";
            if (current instanceof SimDirectory sub) {
                directory(child, sub, change, out);
            } else if (current instanceof SimInode file) {
                out.append('\n').append(child).append("  size=").append(file.size())
                        .append(" durableSize=").append(file.durableSize())
                        .append(" dirtyPages=").append(file.dirtyPageCount()).append(change);
            } else {
                out.append('\n').append(child).append(durable instanceof SimDirectory ? "/" : "").append(change);
            }
        }
    }
}
