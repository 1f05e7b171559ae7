package io.durakv.lsm;

import io.durakv.api.KeyValueStore;
import io.durakv.api.SyncMode;
import io.durakv.api.testkit.StoreFactory;
import io.durakv.api.testkit.StressSuite;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Review of round 5 under concurrency: the stress suite (writers, gets, consistent scans racing background flushes and
 * compactions) with 1 KiB memtables, three allowed to wait, so that the flush falls behind and flushes two memtables to
 * a table while scans merge them; 256-byte blocks and mapped reads, so that scans and compactions move across block
 * and table boundaries all the time while comparing keys in place.
 */
class MergedFlushStressReviewTest extends StressSuite {

    @Override
    protected StoreFactory factory() {
        return new LsmEngine()::open;
    }

    @Override
    protected Map<String, String> properties() {
        return Map.of("lsm.memtableBytes", "1024", "lsm.maxImmutableMemtables", "3", "lsm.blockBytes", "256",
                "lsm.mappedReads", "true", "lsm.level0Trigger", "2", "lsm.levelBaseBytes", "4096",
                "lsm.targetFileBytes", "1024", "lsm.manifestRewriteBytes", "1024", "wal.segmentBytes", "65536");
    }

    @Override
    protected Set<SyncMode> modes() {
        return EnumSet.of(SyncMode.NONE); // the fastest writers: the flush falls behind them most
    }

    @Override
    protected int opsPerThread() {
        return Boolean.getBoolean("durakv.soak") ? 25_000 : 1_000;
    }

    @Override
    protected void checkIntegrity(KeyValueStore store) {
        LsmStore s = (LsmStore) store;
        s.verify();
        System.out.println("merged flush stress: " + s.stats());
    }
}
