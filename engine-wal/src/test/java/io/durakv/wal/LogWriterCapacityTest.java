package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

import static io.durakv.wal.WalFormat.FRAME_HEADER_SIZE;
import static io.durakv.wal.WalFormat.SEGMENT_RESERVE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A group of records written in one turn rotates where a record would pass the segment's capacity, counting the frames
 * of the group still in the write buffer: each frame ends within the capacity less the markers' reserve, and a
 * preallocated segment file never grows past its size. (Found by the range check of the mapped writes: records used
 * to be checked against the written offset only, so one large group ran past the segment's end.)
 */
class LogWriterCapacityTest {

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aLargeGroupRotatesInsteadOfRunningPastTheSegmentsCapacity(boolean preallocate) throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Path dir = Path.of("/wal");
        disk.createDirectories(dir);
        long capacity = WalOptions.MIN_SEGMENT_BYTES;
        WalOptions options = WalOptions.builder().disk(disk).syncMode(SyncMode.NONE).segmentBytes(capacity)
                .preallocate(preallocate).build();
        SegmentPool pool = new SegmentPool(options);
        Segment first = Segment.create(disk, dir, 1, options, pool);
        ConcurrentSkipListMap<Long, Path> segments = new ConcurrentSkipListMap<>();
        segments.put(1L, first.path());
        LogWriter writer = new LogWriter(disk, dir, options, segments, pool, first, 0);
        writer.rotationTurn(new LogWriter.RotationTurn() {
            @Override
            public void begin() {
            }

            @Override
            public void end(Throwable error, Segment active, long forcedLsn, long forcedBytes) {
            }
        });
        // 60 records of 3 000 bytes: 180 KB in one group, under the 1 MiB write buffer, about three segments' worth.
        List<Pending> group = new ArrayList<>();
        for (int i = 1; i <= 60; i++) {
            Pending p = new Pending(new byte[3000]);
            p.lsn = i;
            group.add(p);
        }
        writer.write(group);

        assertThat(segments).as("the group rotated").hasSizeGreaterThanOrEqualTo(3);
        for (Pending p : group) {
            assertThat(p.offset + FRAME_HEADER_SIZE + p.payload.length).as("end of record %d in segment %d", p.lsn,
                    p.segment).isLessThanOrEqualTo(capacity - SEGMENT_RESERVE);
        }
        writer.closeCleanly();
        for (Path segment : segments.values()) {
            try (DiskFile f = disk.open(segment, OpenMode.READ)) {
                assertThat(f.size()).as("size of %s", segment).isLessThanOrEqualTo(capacity);
            }
        }
    }
}
