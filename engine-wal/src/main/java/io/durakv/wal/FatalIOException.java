package io.durakv.wal;

import java.io.IOException;

/**
 * An I/O failure the log cannot undo: a failed force (whose data's fate is unknown, durability-contract.md), or a
 * failed clean-up of a half-done step. It makes the log fail-stop. Every other {@link IOException} from a write turn
 * (a failed write or file creation, e.g. a full disk) only fails the appends of that turn: the writer has put the
 * log back where it was, and later appends may succeed.
 */
final class FatalIOException extends IOException {

    FatalIOException(String what, IOException cause) {
        super(what + ": " + cause.getMessage(), cause);
    }

    /** Runs a force (or another step that cannot be retried), wrapping its failure as fatal. */
    static void fatal(String what, IOAction action) throws FatalIOException {
        try {
            action.run();
        } catch (FatalIOException e) {
            throw e;
        } catch (IOException e) {
            throw new FatalIOException(what, e);
        }
    }

    /** An I/O step. */
    @FunctionalInterface
    interface IOAction {
        void run() throws IOException;
    }
}
