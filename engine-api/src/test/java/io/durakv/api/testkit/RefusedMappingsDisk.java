package io.durakv.api.testkit;

import io.durakv.api.io.Disk;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.ReadMapping;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A disk whose read mappings cannot be made, as when {@code mmap} is refused (the process's memory-map areas used up):
 * every {@link DiskFile#mapForReading} throws the {@link IOException} {@code FileChannel.map} throws then, and is
 * counted. Everything else goes to the delegate.
 */
public final class RefusedMappingsDisk extends ForwardingDisk {

    private final AtomicInteger refused = new AtomicInteger();

    public RefusedMappingsDisk(Disk delegate) {
        super(delegate);
    }

    /** @return how many read mappings were asked for and refused */
    public int refused() {
        return refused.get();
    }

    @Override
    protected DiskFile wrap(DiskFile file) {
        return new ForwardingFile(file) {
            @Override
            public ReadMapping mapForReading(long position, long size) throws IOException {
                refused.incrementAndGet();
                throw new IOException("Map failed", new OutOfMemoryError("Map failed"));
            }
        };
    }
}
