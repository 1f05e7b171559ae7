package io.durakv.api.io;

/** A lock of a {@link SimulatedDisk}, held on the lock file's inode until closed. */
final class SimLock implements DiskLock {

    private final SimulatedDisk disk;
    private final SimInode inode;
    /** Guarded by the disk's monitor. */
    private boolean released;

    SimLock(SimulatedDisk disk, SimInode inode) {
        this.disk = disk;
        this.inode = inode;
    }

    @Override
    public void close() {
        synchronized (disk) {
            if (!released) {
                released = true;
                disk.unlock(inode);
            }
        }
    }
}
