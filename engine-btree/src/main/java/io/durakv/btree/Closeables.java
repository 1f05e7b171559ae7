package io.durakv.btree;

import io.durakv.api.StoreException;

/** Closing several resources so that every one is released and no failure is lost. Stateless. */
final class Closeables {

    private Closeables() {
    }

    /**
     * Closes {@code c} (if not null).
     *
     * @param pending the failure so far, or null
     * @return the failure so far: {@code pending} with a close failure added as suppressed, or the close failure
     */
    static RuntimeException close(AutoCloseable c, RuntimeException pending) {
        if (c == null) {
            return pending;
        }
        try {
            c.close();
        } catch (Exception e) {
            if (pending == null) {
                return e instanceof RuntimeException re ? re : new StoreException("close of " + c + " failed", e);
            }
            pending.addSuppressed(e);
        }
        return pending;
    }

    /** Closes {@code c} (if not null) after {@code failure}, to which a close failure is added as suppressed. */
    static void closeAfterFailure(AutoCloseable c, Exception failure) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
    }
}
