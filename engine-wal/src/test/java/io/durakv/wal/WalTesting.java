package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.io.Disk;
import io.durakv.api.io.LocalDisk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Shared helpers of the WAL tests. */
final class WalTesting {

    static final long SMALL_SEGMENT = WalOptions.MIN_SEGMENT_BYTES;

    private WalTesting() {
    }

    /** Waits (up to 10 s, else fails) until {@code t} is parked with {@code blocker}, or has ended. */
    static void awaitParkedOn(Thread t, Object blocker) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (java.util.concurrent.locks.LockSupport.getBlocker(t) != blocker && t.isAlive()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(t.getName() + " did not park on " + blocker);
            }
            Thread.onSpinWait();
        }
    }

    /** Options with 64 KiB segments on {@code disk}. */
    static WalOptions.Builder small(SyncMode mode, Disk disk) {
        return WalOptions.builder().syncMode(mode).segmentBytes(SMALL_SEGMENT).disk(disk);
    }

    static WalOptions small(SyncMode mode) {
        return small(mode, LocalDisk.INSTANCE).build();
    }

    /** A record that names its index and has {@code size} bytes (at least the index text). */
    static byte[] record(long i, int size) {
        byte[] text = ("record-" + i + ";").getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[Math.max(size, text.length)];
        System.arraycopy(text, 0, b, 0, text.length);
        for (int j = text.length; j < b.length; j++) {
            b[j] = (byte) (i * 31 + j);
        }
        return b;
    }

    /** One replayed record. */
    record Entry(long lsn, byte[] bytes) {
    }

    static List<Entry> replayAll(WriteAheadLog log) {
        return replayFrom(log, 0);
    }

    static List<Entry> replayFrom(WriteAheadLog log, long from) {
        List<Entry> out = new ArrayList<>();
        log.replay(from, (lsn, bytes) -> out.add(new Entry(lsn, bytes)));
        return out;
    }

    static List<Long> lsns(List<Entry> entries) {
        return entries.stream().map(Entry::lsn).toList();
    }

    /** Segment files of the log in {@code dir}, oldest first. */
    static List<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> WalFormat.parseFileName(p.getFileName().toString()) > 0).sorted().toList();
        }
    }

    /** Overwrites {@code bytes.length} bytes of {@code file} at {@code offset}. */
    static void overwrite(Path file, long offset, byte[] bytes) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b, offset + b.position());
            }
        }
    }

    /** Flips every bit of the byte at {@code offset}. */
    static void flipByte(Path file, long offset) throws IOException {
        byte[] all = Files.readAllBytes(file);
        overwrite(file, offset, new byte[]{(byte) ~all[(int) offset]});
    }

    static byte[] garbage(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }
}
