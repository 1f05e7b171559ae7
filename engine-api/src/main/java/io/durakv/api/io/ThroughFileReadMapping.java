package io.durakv.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;

/** {@link ReadMapping#through}: reads through the file handle. */
final class ThroughFileReadMapping implements ReadMapping {

    private final DiskFile file;
    private final long position;
    private final long size;
    private volatile boolean closed;

    ThroughFileReadMapping(DiskFile file, long position, long size) {
        this.file = Objects.requireNonNull(file, "file");
        if (position < 0 || size < 0) {
            throw new IllegalArgumentException("a mapping of " + size + " bytes at offset " + position + " of "
                    + file.path() + " is impossible");
        }
        this.position = position;
        this.size = size;
    }

    /**
     * Checks a range {@link DiskFile#mapForReading} is asked for.
     *
     * @throws IllegalArgumentException if {@code position} or {@code size} is negative
     * @throws IOException              if the file does not reach {@code position + size}
     */
    static void checkReadable(DiskFile file, long position, long size) throws IOException {
        if (position < 0 || size < 0 || position > Long.MAX_VALUE - size) {
            throw new IllegalArgumentException("cannot map " + size + " bytes at offset " + position + " of "
                    + file.path());
        }
        long fileSize = file.size();
        if (fileSize < position + size) {
            throw new IOException("cannot map " + size + " bytes at offset " + position + " of " + file.path()
                    + ": the file has only " + fileSize);
        }
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean mapped() {
        return false;
    }

    @Override
    public void read(long at, ByteBuffer dst) throws IOException {
        ReadMapping.checkRange(file.path(), position, size, at, dst.remaining());
        if (closed) {
            throw new ClosedChannelException();
        }
        file.readFully(at, dst);
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "ReadMapping.through[" + file + ", [" + position + ", " + (position + size) + ")]";
    }
}
