package io.durakv.btree;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Disk} whose file forces (of every file, or only of files of one name) take {@code millis} like a real
 * device's, counting them. For tests.
 */
final class SlowForceDisk extends ForwardingDisk {

    private final long millis;
    /** The file name whose forces are slow, or null for every file. */
    private final String onlyName;
    final AtomicLong forces = new AtomicLong();

    SlowForceDisk(Disk disk, long millis) {
        this(disk, millis, null);
    }

    SlowForceDisk(Disk disk, long millis, String onlyName) {
        super(disk);
        this.millis = millis;
        this.onlyName = onlyName;
    }

    @Override
    protected DiskFile wrap(DiskFile file) {
        return new ForwardingFile(file) {
            @Override
            public void force(boolean metadata) throws IOException {
                if (onlyName != null && !path().endsWith(onlyName)) {
                    super.force(metadata);
                    return;
                }
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
