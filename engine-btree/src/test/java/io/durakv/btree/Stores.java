package io.durakv.btree;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Opening stores and touching their files in the engine's unit tests. */
final class Stores {

    static final Path DIR = Path.of("/db");

    private Stores() {
    }

    /** Opens the B+tree store (on the shared WAL) with the given disk and properties (name, value, ...), SYNC mode. */
    static BTreeStore open(Disk disk, Path dir, String... properties) {
        StoreOptions.Builder b = StoreOptions.builder().syncMode(SyncMode.SYNC).disk(disk);
        for (int i = 0; i < properties.length; i += 2) {
            b.property(properties[i], properties[i + 1]);
        }
        return BTreeStore.open(dir, b.build());
    }

    /** @return the data file's newest valid header */
    static Header header(Disk disk, Path dir) throws IOException {
        try (DiskFile f = disk.open(dir.resolve(BTreeFormat.DATA_FILE), OpenMode.READ)) {
            return Recovery.newestHeader(f);
        }
    }

    /** Overwrites {@code bytes} at {@code offset} of the data file and forces it, as damage on the medium would. */
    static void scribble(Disk disk, Path dir, long offset, byte[] bytes) throws IOException {
        try (DiskFile f = disk.open(dir.resolve(BTreeFormat.DATA_FILE), OpenMode.READ_WRITE)) {
            f.write(offset, ByteBuffer.wrap(bytes));
            f.force(true);
        }
    }

    /** Runs {@code action} on the data file as a {@link PageFile} of page size {@code pageSize}, then forces it. */
    static void withPageFile(Disk disk, Path dir, int pageSize, PageAction action) throws IOException {
        try (DiskFile f = disk.open(dir.resolve(BTreeFormat.DATA_FILE), OpenMode.READ_WRITE)) {
            PageFile pf = new PageFile(f, pageSize);
            action.run(pf);
            pf.force();
        }
    }

    @FunctionalInterface
    interface PageAction {
        void run(PageFile file) throws IOException;
    }

    /**
     * Asserts that {@code s} holds exactly {@code model}: a full scan returns its keys and values in order, and a get
     * of each key returns its value.
     */
    static void checkContent(BTreeStore s, Map<String, byte[]> model, String where) {
        TreeMap<String, byte[]> seen = new TreeMap<>();
        try (KeyValueIterator it = s.scan(null, null)) {
            while (it.hasNext()) {
                KeyValue kv = it.next();
                seen.put(new String(kv.key(), java.nio.charset.StandardCharsets.UTF_8), kv.value());
            }
        }
        assertThat(seen.keySet()).as(where).containsExactlyElementsOf(new TreeMap<>(model).keySet());
        for (Map.Entry<String, byte[]> e : model.entrySet()) {
            assertThat(seen.get(e.getKey())).as(where + ": " + e.getKey()).isEqualTo(e.getValue());
            assertThat(s.get(bytes(e.getKey()))).as(where + ": get " + e.getKey()).isEqualTo(e.getValue());
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static byte[] filled(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }
}
