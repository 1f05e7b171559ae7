package io.durakv.api;

/** The store's directory is already open, in this process or another. Nothing on disk was changed. */
public class StoreLockedException extends StoreException {

    /** @param message which directory is locked */
    public StoreLockedException(String message) {
        super(message);
    }
}
