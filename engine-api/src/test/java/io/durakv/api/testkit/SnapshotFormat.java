package io.durakv.api.testkit;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.NavigableMap;
import java.util.zip.CRC32C;

/**
 * The {@code SNAPSHOT} file of {@link SnapshotFileStore}. Layout, big-endian; the numbers are part of the format:
 *
 * <pre>
 * offset  size  field
 * 0       4     magic "DKSS"
 * 4       4     format version (1)
 * 8       4     entry count n
 * 12      ...   n entries: key length (int), key, value length (int), value
 * end-4   4     CRC32C of every byte before it
 * </pre>
 */
final class SnapshotFormat {

    static final int MAGIC = 0x444B5353; // "DKSS"
    static final int FORMAT_VERSION = 1;
    private static final int HEADER_BYTES = 12;
    private static final int TRAILER_BYTES = 4;

    private SnapshotFormat() {
    }

    /** @return the complete file image of {@code map} */
    static byte[] encode(NavigableMap<byte[], byte[]> map) {
        int size = HEADER_BYTES + TRAILER_BYTES;
        for (Map.Entry<byte[], byte[]> e : map.entrySet()) {
            size += 8 + e.getKey().length + e.getValue().length;
        }
        ByteBuffer buf = ByteBuffer.allocate(size).putInt(MAGIC).putInt(FORMAT_VERSION).putInt(map.size());
        for (Map.Entry<byte[], byte[]> e : map.entrySet()) {
            buf.putInt(e.getKey().length).put(e.getKey()).putInt(e.getValue().length).put(e.getValue());
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.position());
        return buf.putInt((int) crc.getValue()).array();
    }

    /**
     * Reads and verifies a snapshot.
     *
     * @throws CorruptionException naming the offset of the first damage found
     */
    static NavigableMap<byte[], byte[]> read(Disk disk, Path file) throws IOException {
        byte[] image;
        try (DiskFile f = disk.open(file, OpenMode.READ)) {
            long size = f.size();
            if (size < HEADER_BYTES + TRAILER_BYTES || size > Integer.MAX_VALUE) {
                throw new CorruptionException(file, size, "snapshot of impossible size " + size);
            }
            image = new byte[(int) size];
            f.readFully(0, ByteBuffer.wrap(image));
        }
        ByteBuffer buf = ByteBuffer.wrap(image);
        if (buf.getInt(0) != MAGIC) {
            throw new CorruptionException(file, 0, "bad magic " + Integer.toHexString(buf.getInt(0)));
        }
        if (buf.getInt(4) != FORMAT_VERSION) {
            throw new CorruptionException(file, 4, "unsupported format version " + buf.getInt(4)
                    + " (this reader knows " + FORMAT_VERSION + ")");
        }
        int end = image.length - TRAILER_BYTES;
        CRC32C crc = new CRC32C();
        crc.update(image, 0, end);
        if ((int) crc.getValue() != buf.getInt(end)) {
            throw new CorruptionException(file, end, "snapshot checksum mismatch");
        }
        NavigableMap<byte[], byte[]> map = SnapshotFileStore.newMap();
        buf.position(8).limit(end);
        int count = buf.getInt();
        for (int i = 0; i < count; i++) {
            byte[] key = readBytes(buf, file, SnapshotFileStore.MAX_KEY_BYTES);
            byte[] value = readBytes(buf, file, SnapshotFileStore.MAX_VALUE_BYTES);
            map.put(key, value);
        }
        if (count < 0 || buf.hasRemaining()) {
            throw new CorruptionException(file, buf.position(), "entry count " + count + " does not match the data");
        }
        return map;
    }

    private static byte[] readBytes(ByteBuffer buf, Path file, int max) {
        int at = buf.position();
        if (buf.remaining() < 4) {
            throw new CorruptionException(file, at, "entry truncated");
        }
        int length = buf.getInt();
        if (length < 0 || length > max || length > buf.remaining()) {
            throw new CorruptionException(file, at, "bad entry length " + length);
        }
        byte[] bytes = new byte[length];
        buf.get(bytes);
        return bytes;
    }
}
