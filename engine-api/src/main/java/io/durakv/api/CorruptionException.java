package io.durakv.api;

import java.nio.file.Path;

/**
 * Durable data failed a checksum or a structural check. Names the file and the byte offset where the damage was found.
 * A store never returns damaged data as a value; it throws this instead.
 */
public class CorruptionException extends StoreException {

    private final transient Path file;
    private final long offset;

    /**
     * @param file   the damaged file
     * @param offset byte offset in {@code file} where the damage was detected
     * @param what   what was wrong (e.g. "record checksum mismatch")
     */
    public CorruptionException(Path file, long offset, String what) {
        super(what + " in " + file + " at offset " + offset);
        this.file = file;
        this.offset = offset;
    }

    /**
     * @param file   the damaged file
     * @param offset byte offset in {@code file} where the damage was detected
     * @param what   what was wrong
     * @param cause  the underlying error
     */
    public CorruptionException(Path file, long offset, String what, Throwable cause) {
        super(what + " in " + file + " at offset " + offset, cause);
        this.file = file;
        this.offset = offset;
    }

    /** @return the damaged file */
    public Path file() {
        return file;
    }

    /** @return the byte offset in {@link #file()} where the damage was detected */
    public long offset() {
        return offset;
    }
}
