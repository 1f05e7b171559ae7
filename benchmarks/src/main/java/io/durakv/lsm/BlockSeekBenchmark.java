package io.durakv.lsm;

import io.durakv.bench.jmh.ProbeBenchmark;
import io.durakv.bench.jmh.ProbeKeys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The lsm engine's SSTable block seek: the in-block part of {@link SstReader#get}, i.e. {@link BlockIterator#reset},
 * {@link BlockIterator#seek} (binary search over the restart points, then a forward scan decoding prefix-compressed
 * keys) and the user-key check, on one data block of about {@link #blockBytes} bytes built by {@link BlockBuilder} and
 * parsed by {@link Block#parse} exactly as a table writer and reader do (16-byte keys, {@link #valueBytes}-byte values,
 * a restart point every {@link #restartInterval} entries). No I/O, checksum or block cache: those belong to the get
 * benchmarks. The block is fixed for the trial.
 *
 * <p>Lives in the engine's package (a split package on the class path) because the block classes are package-private.
 */
public class BlockSeekBenchmark extends ProbeBenchmark {

    /** Target size of the block's contents, as {@link SstOptions#blockBytes()} (default 4096). */
    @Param({"4096"})
    public int blockBytes;

    /** Bytes per value: 100 (kvbench's default, about 33 entries a block) or 16 (a denser block). */
    @Param({"100", "16"})
    public int valueBytes;

    /** Entries between restart points, as {@link SstOptions#restartInterval()} (default 16). */
    @Param({"16"})
    public int restartInterval;

    private Block block;
    private final BlockIterator iterator = new BlockIterator();

    @Setup(Level.Trial)
    public void setUp() {
        BlockBuilder builder = new BlockBuilder(restartInterval, blockBytes);
        int entries = 0;
        // As SstWriter cuts blocks: add entries until the block reaches its target size.
        while (builder.isEmpty() || builder.estimatedSize() < blockBytes) {
            byte[] value = ProbeKeys.KEYS.value(entries, valueBytes);
            builder.add(ProbeKeys.KEYS.key(entries), entries + 1L, EntryKind.PUT, value, 0, value.length);
            entries++;
        }
        builder.finish();
        byte[] data = Arrays.copyOf(builder.array(), builder.size());
        block = Block.parse(data, data.length, Path.of("block-benchmark.sst"), 0, SstFormat.TYPE_DATA);
        // Absent keys fall between present ones, the last one after the block's last key (the seek runs off the end).
        probes(ProbeKeys.present(0, entries, 1), ProbeKeys.absent(0, entries, 2), this::seek, "block seek");
        System.out.printf(Locale.ROOT, "%nblock of %,d bytes: %d entries, %d restart points%n", data.length, entries,
                block.restarts);
    }

    /** @return whether the block holds {@code key}, as {@link SstReader#get} decides it */
    private boolean seek(byte[] key) {
        BlockIterator it = iterator;
        it.reset(block);
        it.seek(key, SstFormat.MAX_SEQUENCE);
        return it.valid() && it.userKeyEquals(key);
    }

    /** A seek to a key the block holds. */
    @Benchmark
    public void present(Blackhole bh) {
        bh.consume(seek(present.next()));
        bh.consume(iterator.sequence());
    }

    /** A seek to a key between two of the block's keys (ends on the next key, which does not match). */
    @Benchmark
    public void absent(Blackhole bh) {
        bh.consume(seek(absent.next()));
    }
}
