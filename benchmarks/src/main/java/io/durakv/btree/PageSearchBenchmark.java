package io.durakv.btree;

import io.durakv.bench.jmh.ProbeBenchmark;
import io.durakv.bench.jmh.ProbeKeys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The btree engine's page search: {@link Node#search} (binary search over the keys of one decoded node) on a full
 * page of {@link #pageSize} bytes, encoded by {@link PageCodec} and decoded by {@link PageCodec#decodeNode} as the
 * buffer pool does on a miss. A get calls {@link Node#childIndex} (this search) on every internal node from the root,
 * then {@link Node#search} on the leaf; {@code node=leaf} holds 16-byte keys with 100-byte values (33 entries in 4 KiB),
 * {@code node=internal} 16-byte separators (185 in 4 KiB). No buffer pool, latch or I/O: those belong to the get
 * benchmark. The node is fixed for the trial.
 *
 * <p>Lives in the engine's package (a split package on the class path) because the node classes are package-private.
 */
public class PageSearchBenchmark extends ProbeBenchmark {

    /** Bytes per value in a leaf. */
    static final int VALUE_BYTES = 100;
    /** A separator every this many keys in the internal node, as if each child leaf held that many. */
    static final int KEYS_PER_CHILD = 32;

    /** The node searched: a leaf or an internal node. */
    @Param({"leaf", "internal"})
    public String node;

    /** Page size, as the {@code btree.pageBytes} property (default 4096). */
    @Param({"4096"})
    public int pageSize;

    private Node page;

    @Setup(Level.Trial)
    public void setUp() {
        ByteBuffer buffer = ByteBuffer.allocate(pageSize).order(ByteOrder.BIG_ENDIAN);
        int body = BTreeFormat.bodyCapacity(pageSize);
        int keyBytes = ProbeKeys.KEYS.key(0).length;
        int stride;
        int count;
        if ("leaf".equals(node)) {
            stride = 1;
            count = body / (BTreeFormat.LEAF_ENTRY_OVERHEAD + keyBytes + VALUE_BYTES);
            byte[][] keys = new byte[count][];
            Object[] values = new Object[count];
            for (int i = 0; i < count; i++) {
                keys[i] = ProbeKeys.KEYS.key(i);
                values[i] = ProbeKeys.KEYS.value(i, VALUE_BYTES);
            }
            PageCodec.encodeLeaf(buffer, keys, values);
        } else if ("internal".equals(node)) {
            stride = KEYS_PER_CHILD;
            count = (body - BTreeFormat.INTERNAL_BODY_OVERHEAD)
                    / (BTreeFormat.INTERNAL_ENTRY_OVERHEAD + keyBytes);
            byte[][] keys = new byte[count][];
            int[] children = new int[count + 1];
            for (int i = 0; i <= count; i++) {
                children[i] = BTreeFormat.FIRST_DATA_PAGE + i;
            }
            for (int i = 0; i < count; i++) {
                keys[i] = ProbeKeys.KEYS.key((long) (i + 1) * stride);
            }
            PageCodec.encodeInternal(buffer, keys, children);
        } else {
            throw new IllegalArgumentException("node is leaf or internal, not '" + node + "'");
        }
        page = PageCodec.decodeNode(buffer, BTreeFormat.FIRST_DATA_PAGE, pageSize, Path.of("page-benchmark.db"), 0);
        if (page.keyCount() != count || page.bytes() > body) {
            throw new IllegalStateException(page + " is not the full " + pageSize + "-byte page of " + count
                    + " keys meant");
        }
        // Present: keys the node holds (a leaf's keys, an internal node's separators); absent: keys between them,
        // which is what a get meets on almost every internal node.
        probes("leaf".equals(node) ? ProbeKeys.present(0, count, 1) : ProbeKeys.present(stride, count, stride, 1),
                ProbeKeys.absent(0, count * stride, 2), key -> page.search(key) >= 0, "page search");
        System.out.printf(Locale.ROOT, "%n%s: %d keys, %d body bytes of %d%n", page, count, page.bytes(), body);
    }

    /** A search for a key the node holds: returns its index. */
    @Benchmark
    public void present(Blackhole bh) {
        bh.consume(page.search(present.next()));
    }

    /** A search for a key the node does not hold: the insertion point (for an internal node, the child to follow). */
    @Benchmark
    public void absent(Blackhole bh) {
        bh.consume(page.search(absent.next()));
    }
}
