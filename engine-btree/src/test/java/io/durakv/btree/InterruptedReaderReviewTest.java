package io.durakv.btree;

import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStores;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.TreeMap;

import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * On the real file system, an interrupted {@link java.nio.channels.FileChannel} call closes the channel for every
 * thread. A lookup or scan whose thread has its interrupt flag set must not close the data file under everyone else — the background checkpoint included, which would then never succeed
 * again and let the log grow without bound. The caller keeps its interrupt flag.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InterruptedReaderReviewTest {

    @TempDir
    Path dir;

    private static String key(int i) {
        return String.format("key-%05d", i);
    }

    private BTreeStore open() {
        return (BTreeStore) KeyValueStores.open("btree", dir, StoreOptions.builder().syncMode(SyncMode.NONE)
                .disk(LocalDisk.INSTANCE).property("btree.pageBytes", "1024")
                .property("btree.cacheBytes", "65536").property("btree.checkpointBytes", "16384").build());
    }

    @Test
    void aLookupOrScanWithItsInterruptFlagSetDoesNotCloseTheDataFileForEveryoneElse() {
        TreeMap<String, byte[]> model = new TreeMap<>();
        int n = 3000;
        try (BTreeStore s = open()) {
            for (int i = 0; i < n; i++) {
                byte[] v = Stores.filled(100, i);
                s.put(bytes(key(i)), v);
                model.put(key(i), v);
            }
            s.checkpointNow();
            // Most leaves are not cached (64 KiB for about 400 leaves): these calls read pages.
            for (int i = 0; i < n; i += 97) {
                Thread.currentThread().interrupt();
                assertThat(s.get(bytes(key(i)))).isEqualTo(model.get(key(i)));
                assertThat(Thread.interrupted()).as("the caller keeps its interrupt flag").isTrue();
            }
            Thread.currentThread().interrupt();
            try (KeyValueIterator it = s.scan(null, null)) {
                int count = 0;
                while (it.hasNext()) {
                    it.next();
                    count++;
                }
                assertThat(count).isEqualTo(n);
            }
            assertThat(Thread.interrupted()).isTrue();
            // Everyone else (this thread without its flag, the background checkpoints) still reads and writes the data file.
            for (int i = n; i < n + 2000; i++) {
                byte[] v = Stores.filled(100, i);
                s.put(bytes(key(i)), v);
                model.put(key(i), v);
            }
            s.checkpointNow();
            s.verify();
            Stores.checkContent(s, model, "after interrupted callers");
        }
        try (BTreeStore s = open()) {
            s.verify();
            Stores.checkContent(s, model, "after reopen");
        }
    }
}
