package io.durakv.api;

/** The unchecked root of every failure a DuraKV store reports. */
public class StoreException extends RuntimeException {

    /** @param message what failed, with the file, offset or key length involved where known */
    public StoreException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause   the underlying error, usually an {@link java.io.IOException}
     */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
