package io.durakv.lsm;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names and limits of the LSM store's directory (docs/formats/lsm.md): the lock file, the write-ahead log directory,
 * the {@code CURRENT} pointer, manifest directories and SSTable files. These names are part of the on-disk format.
 */
final class LsmFormat {

    static final String LOCK_FILE = "LOCK";
    static final String WAL_DIR = "wal";

    /** @return the file name, inside {@link #WAL_DIR}, of the log segment starting at LSN {@code firstLsn} */
    static String walSegmentName(long firstLsn) {
        return String.format("wal-%020d.log", firstLsn);
    }
    static final String CURRENT = "CURRENT";
    static final String CURRENT_TEMP = "CURRENT.tmp";
    static final String MANIFEST_PREFIX = "manifest-";
    static final String SST_SUFFIX = ".sst";

    /** Largest key: 4 KiB. */
    static final int MAX_KEY_BYTES = 4096;
    /** Largest value: 16 MiB. */
    static final int MAX_VALUE_BYTES = 16 << 20;
    /** Largest encoded write call (one log record), whatever the log allows: 64 MiB. */
    static final long MAX_RECORD_BYTES = 64L << 20;
    /** Number of levels, L0 to L6. */
    static final int LEVELS = 7;
    /** Size ratio between consecutive levels from L1 down. */
    static final int LEVEL_RATIO = 10;

    private static final Pattern SST = Pattern.compile("(\\d{6,19})\\.sst");
    private static final Pattern MANIFEST = Pattern.compile("manifest-(\\d{6,19})");

    private LsmFormat() {
    }

    static Path sstPath(Path dir, long number) {
        return dir.resolve(String.format("%06d", number) + SST_SUFFIX);
    }

    static String manifestName(long number) {
        return MANIFEST_PREFIX + String.format("%06d", number);
    }

    /** @return the file number of an SSTable name, or -1 if {@code name} is not one */
    static long sstNumber(String name) {
        Matcher m = SST.matcher(name);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** @return the generation of a manifest directory name, or -1 if {@code name} is not one */
    static long manifestNumber(String name) {
        Matcher m = MANIFEST.matcher(name);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
