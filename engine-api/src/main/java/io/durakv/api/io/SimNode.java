package io.durakv.api.io;

/**
 * A node of a {@link SimulatedDisk}'s tree: a file's inode or a directory. Directory entries point at nodes by
 * identity, so one inode may be named twice (after an unforced rename a crash can keep both names, a hard link).
 */
sealed interface SimNode permits SimInode, SimDirectory {
}
