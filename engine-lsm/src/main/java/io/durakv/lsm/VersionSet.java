package io.durakv.lsm;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The current {@link Version}, the counters the manifest keeps (covered LSN, next file number) and the reference
 * counts that decide when an obsolete SSTable may be deleted.
 *
 * <p>A file is deleted only when no version lists it any more. A version stops being current only after the edit
 * that replaced it is durable in the manifest ({@link #install} is called after {@link Manifest#append}), so a file
 * is never deleted while a durable manifest still names it; and a version an open read or iterator holds keeps its
 * files until it is released, so compaction never pulls a file from under a reader.
 *
 * <p>Thread-safe: state is guarded by this object's monitor, which the store also uses to swap its memtables and
 * version together.
 */
final class VersionSet {

    private final Consumer<List<FileMeta>> deleter;
    private Version current;
    private long coveredLsn;
    private long nextFile;

    /**
     * @param deleter deletes files that no version lists any more; called outside the monitor
     */
    VersionSet(Manifest.State state, Consumer<List<FileMeta>> deleter) {
        this.deleter = deleter;
        this.current = state.version();
        this.coveredLsn = state.coveredLsn();
        this.nextFile = state.nextFile();
        refFiles(current);
        current.refs = 1;
    }

    synchronized Version current() {
        return current;
    }

    synchronized long coveredLsn() {
        return coveredLsn;
    }

    synchronized long nextFile() {
        return nextFile;
    }

    /** @return a new file number (recorded in the next edit, so a crash never reuses a number a live file has) */
    synchronized long newFileNumber() {
        return nextFile++;
    }

    /** @return a snapshot of the state, for a manifest rewrite */
    synchronized Manifest.State state() {
        return new Manifest.State(current, coveredLsn, nextFile);
    }

    /** @return the current version with a reference the caller must {@link #release} */
    synchronized Version acquire() {
        current.refs++;
        return current;
    }

    /** Takes another reference to {@code v}. */
    synchronized void ref(Version v) {
        if (v.refs <= 0) {
            throw new IllegalStateException("version already released");
        }
        v.refs++;
    }

    /** Drops a reference; deletes the files no version lists any more. */
    void release(Version v) {
        List<FileMeta> dead;
        synchronized (this) {
            dead = unref(v);
        }
        if (!dead.isEmpty()) {
            deleter.accept(dead);
        }
    }

    /**
     * Makes {@code next} current after {@code edit} is durable in the manifest, and runs {@code alsoUnderLock} in
     * the same critical section (the store swaps its memtables there).
     */
    void install(Version next, VersionEdit edit, Runnable alsoUnderLock) {
        List<FileMeta> dead;
        synchronized (this) {
            if (edit.coveredLsn() >= 0) {
                coveredLsn = Math.max(coveredLsn, edit.coveredLsn());
            }
            refFiles(next);
            next.refs = 1;
            Version old = current;
            current = next;
            alsoUnderLock.run();
            dead = unref(old);
        }
        if (!dead.isEmpty()) {
            deleter.accept(dead);
        }
    }

    private static void refFiles(Version v) {
        for (FileMeta f : v.allFiles()) {
            f.refs++;
        }
    }

    private static List<FileMeta> unref(Version v) {
        if (--v.refs > 0) {
            return List.of();
        }
        if (v.refs < 0) {
            throw new IllegalStateException("version released twice");
        }
        List<FileMeta> dead = new ArrayList<>();
        for (FileMeta f : v.allFiles()) {
            if (--f.refs == 0) {
                dead.add(f);
            }
        }
        return dead;
    }
}
