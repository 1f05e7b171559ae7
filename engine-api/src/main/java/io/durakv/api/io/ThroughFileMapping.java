package io.durakv.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.Objects;

/** {@link WriteMapping#through}: writes and forces through the file handle; also the range check of every mapping. */
final class ThroughFileMapping implements WriteMapping {

    private final DiskFile file;
    private final long size;
    private volatile boolean closed;

    ThroughFileMapping(DiskFile file, long size) {
        this.file = Objects.requireNonNull(file, "file");
        if (size < 0) {
            throw new IllegalArgumentException("negative mapping size " + size + " of " + file.path());
        }
        this.size = size;
    }

    /**
     * Checks that {@code [position, position + length)} lies inside {@code [0, size)}.
     *
     * @throws IllegalArgumentException if it does not
     */
    static void checkRange(Path path, long size, long position, int length) {
        if (position < 0 || position > size - length) {
            throw new IllegalArgumentException("a write of " + length + " bytes at offset " + position + " of "
                    + path + " is outside its mapping of " + size + " bytes");
        }
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
    public void write(long position, ByteBuffer src) throws IOException {
        checkRange(file.path(), size, position, src.remaining());
        if (closed) {
            throw new ClosedChannelException();
        }
        file.write(position, src);
    }

    @Override
    public void force() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        file.force(false);
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "WriteMapping.through[" + file + ", " + size + " bytes]";
    }
}
