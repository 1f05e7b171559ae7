package io.durakv.wal;

import io.durakv.api.SyncMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.durakv.wal.WalTesting.record;
import static io.durakv.wal.WalTesting.small;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of the appenders that sleep on their own record (review-sync): an awake appender writes the queue itself
 * before it returns. While other appenders keep arriving during each of its writes, it must still return once its
 * own record is done, not write for the others without end.
 */
class WalReviewStarvationTest {

    private static final Path DIR = Path.of("/wal");
    /** Appenders fed to the first appender's writes, one per write: more than it may write for others. */
    private static final int FED = 40;

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void anAppenderReturnsOnceItsRecordIsDoneWhileOthersKeepArrivingDuringItsWrites(SyncMode mode) throws Exception {
        CountingDisk disk = new CountingDisk(new SimulatedDisk());
        WriteAheadLog log = WriteAheadLog.open(DIR, small(mode, disk).build());
        Object committer = WalReviewTurnsTest.field(WriteAheadLog.class, "committer").get(log);
        Thread first = Thread.currentThread();
        AtomicInteger writesByFirst = new AtomicInteger();
        List<Thread> others = new ArrayList<>();
        Set<Long> lsns = ConcurrentHashMap.newKeySet();
        List<Throwable> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        // During each write the first appender makes, another appender arrives and goes to sleep on its record.
        disk.writeFault.set((path, index, length) -> {
            if (!path.getFileName().toString().startsWith("wal-") || Thread.currentThread() != first
                    || writesByFirst.incrementAndGet() > FED) {
                return -1;
            }
            int id = others.size();
            Thread t = new Thread(() -> {
                try {
                    lsns.add(log.append(record(1000 + id, 100)));
                } catch (Throwable e) {
                    problems.add(e);
                }
            }, "appender-" + id);
            others.add(t);
            t.start();
            WalTesting.awaitParkedOn(t, committer);
            return -1; // lets the write through
        });
        long own = log.append(record(1, 100));
        int writes = writesByFirst.get();
        disk.writeFault.set(null);
        for (Thread t : others) {
            t.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(t.isAlive()).as(t.getName() + " never returned from append").isFalse();
        }
        assertThat(problems).isEmpty();
        lsns.add(own);
        Set<Long> expected = new HashSet<>();
        for (long l = 1; l <= others.size() + 1; l++) {
            expected.add(l);
        }
        assertThat(lsns).isEqualTo(expected);
        // Its own record, then at most one write for others once its record is done. In SYNC it also writes what
        // arrives while it waits for the force of its record (another appender, woken for the free force turn,
        // forces meanwhile): not a fixed number, but far fewer than the appenders still arriving.
        assertThat(writes).as("writes the first appender made (its own record and then others' records) before it "
                + "returned, with a new appender arriving during each").isLessThanOrEqualTo(mode == SyncMode.SYNC
                ? FED : 2);
        log.close();
    }
}
