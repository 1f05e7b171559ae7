package io.durakv.bitcask;

import io.durakv.api.KeyValueStore;
import io.durakv.api.testkit.CrashSuite;
import io.durakv.api.testkit.CrashWorkload;
import io.durakv.api.testkit.StoreFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crash suite on Bitcask with a disk wrapper that counts merges and hint files, and a check after all cases that
 * the workloads really ran merges (manifest renames) and wrote merge and hint files, so that the crash points covered
 * them. Subclasses choose the properties.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CountingCrashSuite extends CrashSuite {

    private final AtomicLong manifestRenames = new AtomicLong();
    private final AtomicLong mergeFilesCreated = new AtomicLong();
    private final AtomicLong segmentHintsCreated = new AtomicLong();

    @Override
    protected StoreFactory factory() {
        BitcaskEngine engine = new BitcaskEngine();
        return (dir, options) -> engine.open(dir, options.toBuilder().disk(new MergeCountingDisk(options.disk(),
                manifestRenames, mergeFilesCreated, segmentHintsCreated)).build());
    }

    /** Values up to 8 KiB: several 64 KiB data files per workload. */
    @Override
    protected CrashWorkload workload() {
        return new CrashWorkload(16, 8000);
    }

    /** Long enough for several rotations and merges. */
    @Override
    protected int enumeratedOps() {
        return 80;
    }

    @Override
    protected int enumeratedSeeds() {
        return 1;
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        ((BitcaskStore) store).verify();
    }

    @AfterAll
    void workloadsRanMergesAndWroteHints() {
        System.out.printf("%s: %d merges switched, %d merge files and %d segment hint files created%n",
                getClass().getSimpleName(), manifestRenames.get(), mergeFilesCreated.get(), segmentHintsCreated.get());
        assertThat(manifestRenames).as("merges that reached their manifest rename").hasPositiveValue();
        assertThat(mergeFilesCreated).as("merge data and hint files created").hasPositiveValue();
        assertThat(segmentHintsCreated).as("segment hint files created").hasPositiveValue();
    }
}
