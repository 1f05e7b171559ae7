package io.durakv.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.Path;

/**
 * An open file of a {@link SimulatedDisk}. It holds the inode, not the name: as on POSIX it keeps working after its
 * name is renamed or deleted. Every call holds the disk's monitor and is counted and checked by the disk as its
 * {@link DiskOp}.
 */
final class SimFile implements DiskFile {

    private final SimulatedDisk disk;
    /** The path as the caller gave it, which {@link #path()} returns, as {@link LocalDisk} does. */
    private final Path path;
    /** The normalised absolute path, which fault rules and messages see. */
    private final Path absolute;
    private final SimInode inode;
    private final boolean writable;
    /** Guarded by the disk's monitor. */
    private boolean closed;

    SimFile(SimulatedDisk disk, Path path, Path absolute, SimInode inode, boolean writable) {
        this.disk = disk;
        this.path = path;
        this.absolute = absolute;
        this.inode = inode;
        this.writable = writable;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public long size() throws IOException {
        synchronized (disk) {
            ensureOpen();
            disk.calls().begin(DiskOp.LIST, absolute);
            long size = inode.size();
            disk.calls().completed(DiskOp.LIST);
            return size;
        }
    }

    @Override
    public int read(long position, ByteBuffer dst) throws IOException {
        checkPosition(position);
        synchronized (disk) {
            ensureOpen();
            disk.calls().begin(DiskOp.READ, absolute);
            int n = inode.read(position, dst);
            disk.calls().completed(DiskOp.READ);
            return n;
        }
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        checkPosition(position);
        synchronized (disk) {
            ensureWritable();
            SimInode.checkSize(position, src.remaining());
            disk.calls().begin(DiskOp.WRITE, absolute);
            inode.write(position, src);
            disk.calls().completed(DiskOp.WRITE);
        }
    }

    @Override
    public long append(ByteBuffer src) throws IOException {
        synchronized (disk) {
            ensureWritable();
            long position = inode.size();
            SimInode.checkSize(position, src.remaining());
            disk.calls().begin(DiskOp.WRITE, absolute);
            inode.write(position, src);
            disk.calls().completed(DiskOp.WRITE);
            return position;
        }
    }

    @Override
    public void force(boolean metadata) throws IOException {
        synchronized (disk) {
            ensureOpen();
            disk.calls().checkPower(DiskOp.FORCE, absolute);
            try {
                disk.calls().checkFaults(DiskOp.FORCE, absolute);
            } catch (IOException e) {
                inode.loseDirtyPages();
                throw e;
            }
            inode.force();
            disk.calls().completed(DiskOp.FORCE);
        }
    }

    @Override
    public void truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + absolute);
        }
        synchronized (disk) {
            ensureWritable();
            disk.calls().begin(DiskOp.TRUNCATE, absolute);
            inode.truncate(size);
            disk.calls().completed(DiskOp.TRUNCATE);
        }
    }

    @Override
    public void close() {
        synchronized (disk) {
            closed = true;
        }
    }

    @Override
    public String toString() {
        synchronized (disk) {
            return "SimFile[" + absolute + (closed ? ", closed" : "") + (writable ? "" : ", read-only") + "]";
        }
    }

    private void checkPosition(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position + " in " + absolute);
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    private void ensureWritable() throws ClosedChannelException {
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
    }
}
