package io.durakv.btree;

import io.durakv.api.KeyValue;
import io.durakv.api.KeyValueIterator;
import io.durakv.api.StoreException;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static io.durakv.btree.Stores.DIR;
import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A checkpoint's header write that fails after its bytes reached the page cache whole (a real {@code pwrite} may do
 * that). The checkpoint is undone and its pages reused by the retry; unless the slot is wiped and forced first, the
 * retry's page force makes that stale header durable, and a crash before the retry's own header lands recovers a
 * tree whose pages the retry has overwritten.
 */
class HeaderWriteFailureTest {

    private static final int PAGE = 1024;

    /** Fails header writes (a whole page into one of the two header slots) of the data file on demand. */
    private static final class HeaderFailingDisk extends ForwardingDisk {
        /** 1: the next header write writes its bytes, then throws; 2: it throws without writing. */
        final AtomicInteger mode = new AtomicInteger();

        HeaderFailingDisk(SimulatedDisk delegate) {
            super(delegate);
        }

        @Override
        protected DiskFile wrap(DiskFile file) {
            return new ForwardingFile(file) {
                @Override
                public void write(long position, ByteBuffer src) throws IOException {
                    boolean header = path().getFileName().toString().endsWith(".db")
                            && (position == 0 || position == PAGE) && src.remaining() == PAGE;
                    int m = header ? mode.getAndSet(0) : 0;
                    if (m == 2) {
                        throw new IOException("injected: header write failed");
                    }
                    super.write(position, src);
                    if (m == 1) {
                        throw new IOException("injected: header write reached the page cache and still failed");
                    }
                }
            };
        }
    }

    private final Random rnd = new Random(5);
    private final TreeMap<String, byte[]> model = new TreeMap<>();

    private void work(BTreeStore s, int ops) {
        for (int i = 0; i < ops; i++) {
            String k = String.format("key-%05d", rnd.nextInt(400));
            byte[] v = Stores.filled(1 + rnd.nextInt(200), rnd.nextInt());
            s.put(bytes(k), v);
            model.put(k, v);
        }
    }

    @Test
    void aHeaderWrittenByAFailedCallNeverBecomesTheDurableHeaderOverReusedPages() {
        SimulatedDisk sim = new SimulatedDisk();
        HeaderFailingDisk disk = new HeaderFailingDisk(sim);
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", String.valueOf(PAGE),
                "btree.checkpointBytes", "100000000")) {
            work(s, 600);
            s.checkpointNow();
            work(s, 600);
            disk.mode.set(1);
            assertThatThrownBy(s::checkpointNow).isInstanceOf(StoreException.class);
            // The retry rewrites the same keys (so it reuses the undone checkpoint's pages), forces its pages, and
            // its own header write fails.
            work(s, 600);
            disk.mode.set(2);
            assertThatThrownBy(s::checkpointNow).isInstanceOf(StoreException.class);
            for (long seed = 0; seed < 4; seed++) {
                try (BTreeStore r = Stores.open(sim.crash(seed), DIR, "btree.pageBytes", String.valueOf(PAGE))) {
                    r.verify();
                    TreeMap<String, byte[]> seen = new TreeMap<>();
                    try (KeyValueIterator it = r.scan(null, null)) {
                        while (it.hasNext()) {
                            KeyValue kv = it.next();
                            seen.put(new String(kv.key()), kv.value());
                        }
                    }
                    assertThat(seen.keySet()).as("seed %d", seed).containsExactlyElementsOf(model.keySet());
                    for (Map.Entry<String, byte[]> e : model.entrySet()) {
                        assertThat(seen.get(e.getKey())).as("seed %d: %s", seed, e.getKey())
                                .isEqualTo(e.getValue());
                    }
                }
            }
        }
    }
}
