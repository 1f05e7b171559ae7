package io.durakv.api.testkit;

import io.durakv.api.KeyValueStore;
import io.durakv.api.StoreOptions;
import io.durakv.api.WriteBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The documented size limits at their edges, beyond what {@link KeyValueStoreContractTest} checks per key and value:
 * the limit on one whole write call (a put, or a batch whose operations are each within limits) that engines logging
 * every call as one record inherit from their log. A call over it is rejected with {@link IllegalArgumentException}
 * before anything is written — every file keeps its bytes — and the store goes on working; a call just under it is
 * accepted and survives reopen.
 */
public abstract class InputLimitsSuite {

    @TempDir
    protected Path dir;

    /** @return how to open the store under test */
    protected abstract StoreFactory factory();

    /** @return engine properties; a small log segment makes the per-call limit small enough to test cheaply */
    protected abstract Map<String, String> properties();

    /** @return the documented maximum encoded size of one write call with these properties, in bytes */
    protected abstract long maxWriteBytes();

    /** @return the documented maximum value size */
    protected abstract int maxValueBytes();

    /** @return the name of the lock file, whose bytes are not compared (reading it would drop the process's lock) */
    protected String lockFileName() {
        return "LOCK";
    }

    private KeyValueStore open() {
        StoreOptions.Builder b = StoreOptions.builder();
        properties().forEach(b::property);
        return factory().open(dir, b.build());
    }

    @Test
    void aBatchOverTheWriteLimitIsRejectedWholeAndNothingIsWritten() throws IOException {
        int part = (int) Math.min(maxValueBytes(), maxWriteBytes() / 3);
        try (KeyValueStore store = open()) {
            store.put(bytes("a"), bytes("A"));
            store.sync();
            Map<String, byte[]> before = files();
            WriteBatch over = new WriteBatch().delete(bytes("a"));
            for (int i = 0; i < 4; i++) {
                over.put(bytes("big" + i), new byte[part]); // each within limits, together over
            }
            assertThatThrownBy(() -> store.write(over)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("bytes");
            assertUnchanged(before);
            assertThat(store.get(bytes("a"))).isEqualTo(bytes("A"));
            assertThat(store.get(bytes("big0"))).isNull();
            WriteBatch under = new WriteBatch().delete(bytes("a"));
            for (int i = 0; i < 2; i++) {
                under.put(bytes("big" + i), filled(part, i));
            }
            store.write(under);
        }
        try (KeyValueStore store = open()) {
            assertThat(store.get(bytes("a"))).isNull();
            assertThat(store.get(bytes("big1"))).isEqualTo(filled(part, 1));
            assertThat(store.get(bytes("big2"))).isNull();
        }
    }

    @Test
    void aPutOverTheWriteLimitIsRejectedAndNothingIsWritten() throws IOException {
        if (maxWriteBytes() >= maxValueBytes()) {
            return; // the value limit is the binding one, checked by the contract test
        }
        try (KeyValueStore store = open()) {
            store.put(bytes("a"), bytes("A"));
            store.sync();
            Map<String, byte[]> before = files();
            byte[] tooBig = new byte[(int) maxWriteBytes() + 1];
            assertThatThrownBy(() -> store.put(bytes("b"), tooBig)).isInstanceOf(IllegalArgumentException.class);
            assertUnchanged(before);
            byte[] fits = filled((int) maxWriteBytes() - 64, 7);
            store.put(bytes("b"), fits);
            assertThat(store.get(bytes("b"))).isEqualTo(fits);
        }
    }

    /** @return every file of the store with its bytes (the lock file only by name) */
    private Map<String, byte[]> files() throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                boolean lock = p.getFileName().toString().equals(lockFileName());
                files.put(dir.relativize(p).toString(), lock ? new byte[0] : Files.readAllBytes(p));
            }
        }
        return files;
    }

    private void assertUnchanged(Map<String, byte[]> before) throws IOException {
        Map<String, byte[]> now = files();
        assertThat(now.keySet()).as("files of " + dir).isEqualTo(before.keySet());
        before.forEach((name, bytes) -> assertThat(Arrays.equals(now.get(name), bytes))
                .as("bytes of " + name + " unchanged").isTrue());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] filled(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }
}
