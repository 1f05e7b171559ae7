package io.durakv.bench.jmh;

import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.LocalDisk;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.ReadMapping;
import io.durakv.wal.WalOptions;
import io.durakv.wal.WalPosition;
import io.durakv.wal.WriteAheadLog;
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
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A small random read of a file in the page cache, the way the engines read records and blocks that miss their
 * caches: {@link #file} reads {@code readBytes} at a random offset of a 64 MiB file through a read call
 * ({@code through}: {@link DiskFile#readFully}) or a copy out of a read mapping ({@code mapped}:
 * {@link DiskFile#mapForReading}, real on Java 22+); {@link #logReadAt} reads a random 130-byte record back from a
 * write-ahead log of 500 000 records by {@link WriteAheadLog#readAt} with {@link WalOptions#mappedReads()} off and on
 * (Bitcask's read path). Reads do not change the files, so throughput mode measures the same thing throughout. Run on
 * Java 22 or later to see mappings (on Java 17 both variants make read calls).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Threads(1)
public class ReadPathBenchmark {

    static final long FILE_BYTES = 64L << 20;
    static final int RECORDS = 500_000;
    static final int RECORD_BYTES = 130;

    /** A 64 MiB file of the local disk and, for {@code mapped}, a read mapping of all of it. */
    @State(Scope.Thread)
    public static class FileState {
        /** How the bytes are read: a read call per read ({@code through}) or a copy out of a mapping. */
        @Param({"through", "mapped"})
        public String how;

        /** Bytes per read: a record, a block. */
        @Param({"130", "4096"})
        public int readBytes;

        Path dir;
        DiskFile file;
        ReadMapping mapping;
        byte[] dst;
        final SplittableRandom random = new SplittableRandom(11);

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = BenchDir.create("durakv-jmh-read-path-");
            file = LocalDisk.INSTANCE.open(dir.resolve("data"), OpenMode.CREATE_NEW);
            byte[] chunk = new byte[1 << 20];
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = (byte) (i * 31);
            }
            for (long at = 0; at < FILE_BYTES; at += chunk.length) {
                file.write(at, ByteBuffer.wrap(chunk));
            }
            mapping = how.equals("mapped") ? file.mapForReading(0, FILE_BYTES)
                    : ReadMapping.through(file, 0, FILE_BYTES);
            dst = new byte[readBytes];
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            mapping.close();
            file.close();
            BenchDir.delete(dir);
        }

        long nextOffset() {
            return random.nextLong(FILE_BYTES - readBytes);
        }
    }

    /** A write-ahead log of {@link #RECORDS} records and their positions, read back with mapped reads off or on. */
    @State(Scope.Thread)
    public static class LogState {
        /** {@link WalOptions#mappedReads()}. */
        @Param({"false", "true"})
        public boolean mappedReads;

        Path dir;
        WriteAheadLog wal;
        WalPosition[] positions;
        final SplittableRandom random = new SplittableRandom(13);

        @Setup(Level.Trial)
        public void setUp() {
            dir = BenchDir.create("durakv-jmh-read-log-");
            wal = WriteAheadLog.open(dir.resolve("wal"), WalOptions.builder().syncMode(SyncMode.NONE)
                    .mappedReads(mappedReads).build());
            positions = new WalPosition[RECORDS];
            byte[] record = new byte[RECORD_BYTES];
            for (int i = 0; i < RECORDS; i++) {
                record[0] = (byte) i;
                positions[i] = wal.appendWithPosition(record);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            wal.close();
            BenchDir.delete(dir);
        }
    }

    /** {@code readBytes} at a random offset, by a read call or a copy out of the mapping. */
    @Benchmark
    public void file(FileState s, Blackhole bh) throws IOException {
        s.mapping.read(s.nextOffset(), s.dst, 0, s.readBytes);
        bh.consume(s.dst);
    }

    /** A random record of the log, by {@link WriteAheadLog#readAt} (frame checks and the payload copy included). */
    @Benchmark
    public void logReadAt(LogState s, Blackhole bh) {
        WalPosition p = s.positions[s.random.nextInt(RECORDS)];
        bh.consume(s.wal.readAt(p, WriteAheadLog.frameBytes(RECORD_BYTES)));
    }
}
