package io.durakv.wal;

import io.durakv.api.io.SimulatedDisk;
import io.durakv.api.testkit.CorruptionSuite;
import io.durakv.api.testkit.StoreFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Corruption fuzzing of a closed write-ahead log (through {@link WalBackedStore}): the smallest segments and no
 * truncation, so the log has several sealed segments (end markers) and an active one (clean-close marker).
 *
 * <p>Known limits (docs/formats/wal.md, "Limit"; docs/reliability.md): a range of zeros or garbage over the last
 * records of the last segment and its clean-close marker leaves no later frame to prove that the records were
 * forced, so recovery drops them as an unforced tail (a truncation there is caught by the preallocated size the
 * header records: {@code WalTruncationTest}); and damage over the last segment's header and every one of its
 * records cannot be told from an interrupted creation (damage over the header and the first frame alone is caught:
 * {@code WalHeaderDamageTest}). A store on the WAL alone loses those records silently; the engines catch it with
 * their own metadata (the B+tree's checkpoint LSN).
 */
class WalCorruptionTest extends CorruptionSuite {

    @Override
    protected StoreFactory factory() {
        return WalBackedStore.factory(Integer.MAX_VALUE); // no checkpoint record, no truncation: every segment stays
    }

    @Override
    protected String engine() {
        return "wal";
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("wal.segmentBytes", String.valueOf(WalOptions.MIN_SEGMENT_BYTES));
    }

    @Override
    protected String kindOf(String relative) {
        return relative.startsWith("wal/") ? "log segment" : relative;
    }

    @Override
    protected String knownUndetectable(SimulatedDisk template, String file, long from, long to) throws IOException {
        Path dir = DIR.resolve("wal");
        String last = template.list(dir).stream().filter(n -> WalFormat.parseFileName(n) > 0).reduce((a, b) -> b)
                .orElseThrow();
        if (!file.equals("wal/" + last)) {
            return null;
        }
        long markerEnd = lastFrameEnd(template, dir.resolve(last), WalFormat.parseFileName(last));
        if (from < WalFormat.HEADER_SIZE && to >= markerEnd - WalFormat.MARKER_SIZE) {
            // Header and every record invalid: nothing tells the segment from an interrupted creation.
            return "damage over the last segment's header and all its records looks like an interrupted creation";
        }
        // The damage reaches the last frame (the clean-close marker): nothing after it proves the damage was forced.
        return to >= markerEnd - WalFormat.MARKER_SIZE + 1 && from < markerEnd
                ? "damage reaching the last segment's clean-close marker is dropped as an unforced tail" : null;
    }

    private static long lastFrameEnd(SimulatedDisk disk, Path segment, long firstLsn) throws IOException {
        try (SegmentReader r = SegmentReader.open(disk, segment, SegmentReader.SCAN_WINDOW)) {
            long pos = WalFormat.HEADER_SIZE;
            long lsn = firstLsn;
            for (Frame f; (f = r.read(pos, lsn, lsn)) != null; pos = f.end()) {
                lsn += f.isData() ? 1 : 0;
            }
            return pos;
        }
    }
}
