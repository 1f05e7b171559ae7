package io.durakv.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Helpers for the disk tests: byte patterns, whole-file writes and reads, and a snapshot of a whole tree. */
final class DiskTestSupport {

    private DiskTestSupport() {
    }

    /** @return {@code n} bytes, each {@code value} */
    static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /** @return {@code n} bytes of a pattern that is never zero and differs at every offset within 251 bytes */
    static byte[] pattern(int n, int salt) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (1 + (i + salt) % 251);
        }
        return b;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Creates (or replaces the content of) {@code file} with {@code bytes}, forcing the file if asked. */
    static void writeFile(Disk disk, Path file, byte[] bytes, boolean force) throws IOException {
        try (DiskFile f = disk.open(file, OpenMode.CREATE)) {
            f.truncate(0);
            f.write(0, ByteBuffer.wrap(bytes));
            if (force) {
                f.force(true);
            }
        }
    }

    static void append(Disk disk, Path file, byte[] bytes, boolean force) throws IOException {
        try (DiskFile f = disk.open(file, OpenMode.READ_WRITE)) {
            f.append(ByteBuffer.wrap(bytes));
            if (force) {
                f.force(false);
            }
        }
    }

    static byte[] readFile(Disk disk, Path file) throws IOException {
        try (DiskFile f = disk.open(file, OpenMode.READ)) {
            ByteBuffer buf = ByteBuffer.allocate((int) f.size());
            f.readFully(0, buf);
            return buf.array();
        }
    }

    /**
     * @return every file and directory under {@code dir}: path to content (as a list, for equals), directories
     *         to the string "dir"
     */
    static Map<String, Object> snapshot(Disk disk, Path dir) throws IOException {
        Map<String, Object> out = new TreeMap<>();
        for (String name : disk.list(dir)) {
            Path p = dir.resolve(name);
            if (disk.isDirectory(p)) {
                out.put(p + "/", "dir");
                out.putAll(snapshot(disk, p));
            } else {
                out.put(p.toString(), asList(readFile(disk, p)));
            }
        }
        return out;
    }

    static List<Byte> asList(byte[] bytes) {
        Byte[] boxed = new Byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            boxed[i] = bytes[i];
        }
        return Arrays.asList(boxed);
    }
}
