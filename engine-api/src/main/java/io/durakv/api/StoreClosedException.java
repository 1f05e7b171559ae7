package io.durakv.api;

/** A store (or log) was used after {@code close()}. */
public class StoreClosedException extends StoreException {

    /** @param message what was called on which closed store */
    public StoreClosedException(String message) {
        super(message);
    }
}
