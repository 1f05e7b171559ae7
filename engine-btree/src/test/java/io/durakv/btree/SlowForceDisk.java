package io.durakv.btree;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Disk} whose file forces take {@code millis} like a real device's, counting them. For tests. */
final class SlowForceDisk extends ForwardingDisk {

    private final long millis;
    final AtomicLong forces = new AtomicLong();

    SlowForceDisk(Disk disk, long millis) {
        super(disk);
        this.millis = millis;
    }

    @Override
    protected DiskFile wrap(DiskFile file) {
        return new ForwardingFile(file) {
            @Override
            public void force(boolean metadata) throws IOException {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                forces.incrementAndGet();
                super.force(metadata);
            }
        };
    }
}
