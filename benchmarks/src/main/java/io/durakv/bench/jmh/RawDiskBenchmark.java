package io.durakv.bench.jmh;

import io.durakv.bench.PreallocatedFile;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The raw ceilings the write-ahead log is measured against, with {@code FileChannel} directly (through {@link PreallocatedFile}) (benchmark code may;
 * engine code goes through the {@code Disk} layer):
 *
 * <ul>
 *   <li>{@link #writeForce}: one positional write then {@code force(false)} per operation, into a preallocated
 *       (zero-filled and forced) 64 MiB file, wrapping at its end. Its ops/s is the raw force rate, the ceiling for
 *       one SYNC appender: overwriting allocated blocks and {@code fdatasync} is the cheapest durable write.</li>
 *   <li>{@link #sequentialWrite}: 4 KiB positional writes into a preallocated 64 MiB file, wrapping, with no force
 *       ({@code forceEveryBytes = 0}: page-cache bandwidth, the ceiling for NONE and BATCH), or with a
 *       {@code force(false)} every 1 MiB or every 64 MiB (once per wrap, as the log forces once per segment in NONE)
 *       to show what the device sustains. Bytes/s = ops/s × 4096.</li>
 * </ul>
 * Single-threaded: these are what one thread and one file get from the OS.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Threads(1)
public class RawDiskBenchmark {

    /** The size of the preallocated file every raw benchmark cycles through; the WAL's segment size. */
    static final long FILE_BYTES = 64L << 20;

    /** A {@link PreallocatedFile} in a fresh benchmark directory. */
    abstract static class PreallocatedState {
        Path dir;
        PreallocatedFile file;

        void open(int recordBytes) throws IOException {
            dir = BenchDir.create("durakv-jmh-raw-");
            file = new PreallocatedFile(dir.resolve("raw.dat"), FILE_BYTES, recordBytes);
        }

        int writeRecord() throws IOException {
            return file.writeRecord();
        }

        void close() throws IOException {
            if (file != null) {
                file.close();
            }
            BenchDir.delete(dir);
        }
    }

    /** State of {@link #writeForce}. */
    @State(Scope.Thread)
    public static class ForceLoop extends PreallocatedState {
        /** Bytes per write. */
        @Param({"100", "4096"})
        public int recordBytes;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open(recordBytes);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            close();
        }
    }

    /** State of {@link #sequentialWrite}. */
    @State(Scope.Thread)
    public static class SequentialWrite extends PreallocatedState {
        /** Bytes per write; fixed at the size the bandwidth goal is stated for. */
        static final int RECORD_BYTES = 4096;

        /** Force after this many bytes; 0 never forces (page-cache bandwidth). */
        @Param({"0", "1048576", "67108864"})
        public long forceEveryBytes;

        long unforced;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open(RECORD_BYTES);
            unforced = 0;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            close();
        }
    }

    /** One write of {@code recordBytes} then {@code force(false)}: ops/s is the raw force rate. */
    @Benchmark
    public void writeForce(ForceLoop s, Blackhole bh) throws IOException {
        bh.consume(s.writeRecord());
        s.file.force();
    }

    /** One 4 KiB write, forced every {@code forceEveryBytes}: ops/s × 4096 is the sequential bandwidth. */
    @Benchmark
    public void sequentialWrite(SequentialWrite s, Blackhole bh) throws IOException {
        int written = s.writeRecord();
        bh.consume(written);
        if (s.forceEveryBytes > 0) {
            s.unforced += written;
            if (s.unforced >= s.forceEveryBytes) {
                s.file.force();
                s.unforced = 0;
            }
        }
    }
}
