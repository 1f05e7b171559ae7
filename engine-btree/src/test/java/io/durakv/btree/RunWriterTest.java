package io.durakv.btree;

import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ForwardingDisk;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link PageFile.RunWriter}: pages of consecutive ids gathered into one write each, read back page by page. */
class RunWriterTest {

    private static final int PAGE = 1024;

    /** The writes that reach the file: {offset, length}. */
    private final List<long[]> writes = new ArrayList<>();

    private final ForwardingDisk disk = new ForwardingDisk(new SimulatedDisk()) {
        @Override
        protected DiskFile wrap(DiskFile file) {
            return new ForwardingFile(file) {
                @Override
                public void write(long position, ByteBuffer src) throws IOException {
                    writes.add(new long[]{position, src.remaining()});
                    super.write(position, src);
                }
            };
        }
    };

    private static ByteBuffer leaf(PageFile pf, int seed) {
        ByteBuffer page = pf.newPage();
        PageCodec.encodeLeaf(page, new byte[][]{Stores.bytes("key-" + seed)}, new Object[]{Stores.filled(50, seed)});
        return page;
    }

    @Test
    void consecutivePagesGoOutInOneWritePerRunAndReadBackStamped() throws IOException {
        disk.createDirectories(Path.of("/db"));
        try (DiskFile f = disk.open(Path.of("/db/btree.db"), OpenMode.CREATE_NEW)) {
            PageFile pf = new PageFile(f, PAGE);
            pf.maxGeneration(3);
            // Room for three pages per write: 5 6 7, then 8 9 (the buffer was full), 12 13 (a gap), 4
            PageFile.RunWriter w = pf.runWriter(3, ByteBuffer.allocateDirect(3 * PAGE));
            int[] ids = {5, 6, 7, 8, 9, 12, 13, 4};
            for (int id : ids) {
                w.write(id, leaf(pf, id));
            }
            assertThat(writes).as("a run is written when the next page does not extend it").hasSize(3);
            w.flush();
            w.flush();
            assertThat(writes).extracting(x -> x[0] / PAGE + "+" + x[1] / PAGE)
                    .containsExactly("5+3", "8+2", "12+2", "4+1");
            for (int id : ids) {
                Node n = PageCodec.decodeNode(pf.read(id, PageFile.ANY_NODE), id, PAGE, pf.path(), pf.offset(id));
                assertThat(n.key(0)).isEqualTo(Stores.bytes("key-" + id));
                assertThat((byte[]) n.slot(0)).isEqualTo(Stores.filled(50, id));
            }
            assertThatThrownBy(() -> pf.runWriter(3, ByteBuffer.allocate(PAGE - 1)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pf.runWriter(3, ByteBuffer.allocate(PAGE)).write(1, leaf(pf, 1)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
