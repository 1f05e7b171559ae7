package io.durakv.lsm;

import io.durakv.api.io.Disk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: keys, values and small tables. */
final class SstTables {

    static final Path DIR = Path.of("/db");

    private SstTables() {
    }

    /** @return "key-" and {@code n} as 6 decimal digits */
    static byte[] key(int n) {
        return String.format("key-%06d", n).getBytes(StandardCharsets.US_ASCII);
    }

    /** @return {@code n} bytes of a pattern that depends on {@code seed} */
    static byte[] value(int n, int seed) {
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
            v[i] = (byte) (i * 31 + seed);
        }
        return v;
    }

    /** An entry as {@link SstWriter#add} takes it. */
    record Put(byte[] key, long sequence, byte kind, byte[] value) {
    }

    /** @return {@code count} keys, each with a put at sequence {@code 3n + 2} and a tombstone at {@code 3n + 3} for every 5th */
    static List<Put> entries(int count, int valueBytes) {
        List<Put> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (i % 5 == 0) {
                out.add(new Put(key(i), 3L * i + 3, EntryKind.DELETE, null));
            }
            out.add(new Put(key(i), 3L * i + 2, EntryKind.PUT, value(valueBytes, i)));
        }
        return out;
    }

    static SstMeta write(Disk disk, Path file, SstOptions options, List<Put> entries) throws IOException {
        disk.createDirectories(file.getParent());
        try (SstWriter w = SstWriter.create(disk, file, options)) {
            for (Put p : entries) {
                w.add(p.key, p.sequence, p.kind, p.value);
            }
            return w.finish();
        }
    }
}
