package io.durakv.api.io;

/** How {@link Disk#open(java.nio.file.Path, OpenMode)} opens a file. */
public enum OpenMode {
    /** Read only; the file must exist. */
    READ,
    /** Read and write; the file must exist. */
    READ_WRITE,
    /** Read and write; created (empty) if absent. */
    CREATE,
    /** Read and write; created, and it is an error if it already exists. */
    CREATE_NEW;

    /** @return whether this mode allows writing */
    public boolean writable() {
        return this != READ;
    }
}
