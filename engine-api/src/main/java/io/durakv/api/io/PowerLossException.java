package io.durakv.api.io;

import java.io.IOException;

/**
 * Thrown by every mutating call of a {@link SimulatedDisk} once its scheduled power loss has happened
 * ({@link SimulatedDisk#powerLossAfter(long)}): the disk is frozen as the power loss left it, and
 * {@link SimulatedDisk#crash(long)} yields what a restart could find.
 */
public class PowerLossException extends IOException {

    /** @param message which call hit the power loss */
    public PowerLossException(String message) {
        super(message);
    }
}
