package io.durakv.wal;

import io.durakv.api.StoreException;
import io.durakv.api.SyncMode;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.durakv.wal.WalTesting.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review (next to the no-space change, on the same theme of failures that must not outlive their cause): a reader
 * thread interrupted inside {@link WriteAheadLog#readAt} makes {@code FileChannel.read} throw
 * {@code ClosedByInterruptException}, which closes the read handle the log caches for that segment and shares with
 * every reader. That one read may fail; later reads by other threads must not fail for as long as the segment lives.
 */
class WalNoSpaceReviewReadAtInterruptTest {

    @TempDir
    Path dir;

    @Test
    void anInterruptedReadDoesNotBreakLaterReadsOfTheSegment() {
        try (WriteAheadLog log = WriteAheadLog.open(dir, small(SyncMode.SYNC, LocalDisk.INSTANCE).build())) {
            WalPosition first = log.appendWithPosition(record(1, 100));
            WalPosition second = log.appendWithPosition(record(2, 100));
            assertThat(log.readAt(first)).isEqualTo(record(1, 100));
            Thread.currentThread().interrupt();
            try {
                log.readAt(second);
            } catch (StoreException e) {
                // the interrupted read itself may fail
            } finally {
                Thread.interrupted();
            }
            assertThat(log.readAt(first)).as("a later read of the same segment").isEqualTo(record(1, 100));
            assertThat(log.readAt(second)).isEqualTo(record(2, 100));
        }
    }
}
