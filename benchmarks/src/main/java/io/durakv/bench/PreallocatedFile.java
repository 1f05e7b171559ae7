package io.durakv.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * A zero-filled, forced file of a fixed size and a write position that wraps at its end: the state a write-ahead
 * log's preallocated segment is in, and so the fairest raw ceiling to judge a log against. Benchmark code only; it
 * uses {@link FileChannel} directly (engine code goes through the {@code Disk} layer). Used by the JMH raw-disk
 * benchmark and by kvbench's raw ceilings. Not thread-safe.
 */
public final class PreallocatedFile implements AutoCloseable {

    private final Path path;
    private final long fileBytes;
    private final FileChannel channel;
    private final ByteBuffer record;
    private long position;

    /**
     * Creates {@code path} (which must not exist), zero-fills it to {@code fileBytes} and forces it, so that every
     * later write overwrites allocated blocks and {@code force(false)} has no metadata to write.
     *
     * @param recordBytes the size of the record {@link #writeRecord()} writes (random bytes, chosen once)
     */
    public PreallocatedFile(Path path, long fileBytes, int recordBytes) throws IOException {
        if (recordBytes <= 0 || recordBytes > fileBytes) {
            throw new IllegalArgumentException("recordBytes must be in 1.." + fileBytes + ": " + recordBytes);
        }
        this.path = path;
        this.fileBytes = fileBytes;
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        for (long at = 0; at < fileBytes; at += zeros.capacity()) {
            zeros.clear();
            zeros.limit((int) Math.min(zeros.capacity(), fileBytes - at));
            while (zeros.hasRemaining()) {
                channel.write(zeros, at + zeros.position());
            }
        }
        channel.force(true);
        byte[] payload = new byte[recordBytes];
        new Random(recordBytes).nextBytes(payload);
        record = ByteBuffer.allocateDirect(recordBytes);
        record.put(payload).flip();
    }

    /** Writes the record at the current position and advances, wrapping at the end of the file. */
    public int writeRecord() throws IOException {
        if (position + record.capacity() > fileBytes) {
            position = 0;
        }
        record.clear();
        int written = 0;
        while (record.hasRemaining()) {
            written += channel.write(record, position + written);
        }
        position += written;
        return written;
    }

    /** {@code force(false)}: the written data (not the file's metadata) reaches the device. */
    public void force() throws IOException {
        channel.force(false);
    }

    /** @return the file's size in bytes */
    public long fileBytes() {
        return fileBytes;
    }

    /** Closes the file and deletes it. */
    @Override
    public void close() throws IOException {
        channel.close();
        Files.deleteIfExists(path);
    }
}
