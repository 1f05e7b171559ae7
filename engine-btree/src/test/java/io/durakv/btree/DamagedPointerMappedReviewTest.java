package io.durakv.btree;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.durakv.btree.Stores.DIR;
import static io.durakv.btree.Stores.bytes;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Review attack on the read mappings with a damaged page pointer: a header whose root is page 2^31 - 1, far past the
 * end of {@code btree.db}. With read calls that is a {@link CorruptionException} naming the file ("lies past the end
 * of the file"); with read mappings of one page each the chunk index of that page is 2^31 - 1, and the check whether
 * the file reaches the chunk's end must not overflow into mapping a chunk the file does not hold.
 */
class DamagedPointerMappedReviewTest {

    @ParameterizedTest
    @ValueSource(strings = {"0", "1024", "2048", "65536"})
    void aRootPointerFarPastTheEndOfTheFileIsCorruptionWhateverTheReadMappingSize(String readMappingBytes)
            throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (BTreeStore s = Stores.open(disk, DIR, "btree.pageBytes", "1024")) {
            for (int i = 0; i < 50; i++) {
                s.put(bytes("key-" + i), bytes("value-" + i));
            }
            s.checkpointNow();
        }
        Header h = Stores.header(disk, DIR);
        Header damaged = new Header(h.pageSize(), h.generation() + 1, h.checkpointLsn(), Integer.MAX_VALUE,
                h.freeListHead(), h.freeCount(), h.pageCount(), h.keyCount());
        Stores.withPageFile(disk, DIR, 1024, pf -> pf.writeHeader(damaged));
        assertThatThrownBy(() -> Stores.open(disk, DIR, "btree.pageBytes", "1024",
                "btree.readMappingBytes", readMappingBytes).close())
                .isInstanceOf(CorruptionException.class)
                .hasMessageContaining("btree.db")
                .hasMessageContaining("page " + Integer.MAX_VALUE);
    }
}
