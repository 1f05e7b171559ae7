package io.durakv.api.io;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ForwardingDiskTest {

    @Test
    void everyCallReachesTheDelegateAndOpenedFilesPassThroughWrap() throws IOException {
        SimulatedDisk sim = new SimulatedDisk();
        List<String> seen = new ArrayList<>();
        Disk disk = new ForwardingDisk(sim) {
            @Override
            protected DiskFile wrap(DiskFile file) {
                return new ForwardingFile(file) {
                    @Override
                    public void force(boolean metadata) throws IOException {
                        seen.add("force " + path().getFileName());
                        super.force(metadata);
                    }
                };
            }
        };
        Path dir = Path.of("/d");
        disk.createDirectories(dir);
        try (DiskFile f = disk.open(dir.resolve("a"), OpenMode.CREATE_NEW)) {
            assertThat(f.append(ByteBuffer.wrap(new byte[]{1, 2, 3}))).isZero();
            f.write(3, ByteBuffer.wrap(new byte[]{4}));
            f.force(false);
            f.truncate(2);
            assertThat(f.size()).isEqualTo(2);
        }
        disk.forceDirectory(dir);
        disk.rename(dir.resolve("a"), dir.resolve("b"));
        assertThat(disk.list(dir)).containsExactly("b");
        assertThat(disk.exists(dir.resolve("b"))).isTrue();
        assertThat(disk.isDirectory(dir)).isTrue();
        assertThat(sim.content(dir.resolve("b"))).containsExactly(1, 2);
        assertThat(sim.durableContent(dir.resolve("b"))).containsExactly(1, 2, 3, 4);
        assertThat(seen).containsExactly("force a");
        try (DiskLock lock = disk.tryLock(dir.resolve("LOCK"))) {
            assertThat(lock).isNotNull();
            assertThat(sim.tryLock(dir.resolve("LOCK"))).isNull();
        }
        assertThat(disk.deleteIfExists(dir.resolve("b"))).isTrue();
        assertThat(sim.exists(dir.resolve("b"))).isFalse();
    }
}
