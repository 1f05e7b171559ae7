package io.durakv.lsm;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.OpenMode;
import io.durakv.api.io.SimulatedDisk;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.durakv.lsm.SstTables.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Damage anywhere in a table is a {@link CorruptionException} naming the file and the offset of the damaged block
 * (or header, or footer), never wrong data and never another exception.
 */
class SstCorruptionTest {

    private static final Path FILE = DIR.resolve("000009.sst");
    private static final List<Put> ENTRIES = entries(40, 12);

    /** The regions of a good table: where each starts, and what it is. */
    private record Region(long start, long end, String name) {
    }

    private static byte[] goodTable() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        write(disk, FILE, SstOptions.defaults().withBlockBytes(64).withRestartInterval(2), ENTRIES);
        return disk.content(FILE);
    }

    private static List<Region> regions(byte[] table) throws IOException {
        SimulatedDisk disk = diskWith(table);
        List<Region> out = new ArrayList<>();
        out.add(new Region(0, SstFormat.HEADER_SIZE, "header"));
        try (SstReader r = SstReader.open(disk, FILE, 9, null)) {
            SstIndex index = r.index();
            for (int i = 0; i < index.size(); i++) {
                out.add(new Region(index.offset(i), index.offset(i) + index.blockSize(i) + SstFormat.TRAILER_SIZE,
                        "data block " + i));
            }
        }
        SstFooter f = SstFooter.decode(java.util.Arrays.copyOfRange(table, table.length - SstFormat.FOOTER_SIZE,
                table.length), FILE, table.length - SstFormat.FOOTER_SIZE);
        out.add(new Region(f.bloomOffset(), f.propertiesOffset(), "bloom block"));
        out.add(new Region(f.propertiesOffset(), f.indexOffset(), "properties block"));
        out.add(new Region(f.indexOffset(), table.length - SstFormat.FOOTER_SIZE, "index block"));
        out.add(new Region(table.length - SstFormat.FOOTER_SIZE, table.length, "footer"));
        return out;
    }

    private static SimulatedDisk diskWith(byte[] content) throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(DIR);
        try (DiskFile f = disk.open(FILE, OpenMode.CREATE_NEW)) {
            f.write(0, ByteBuffer.wrap(content));
        }
        return disk;
    }

    /** Every single-byte change anywhere in the file, in every kind of block, is reported at its block's offset. */
    @Test
    void everyFlippedByteIsCorruptionAtTheOffsetOfItsBlock() throws Exception {
        byte[] good = goodTable();
        List<Region> regions = regions(good);
        assertThat(regions.stream().filter(r -> r.name.startsWith("data")).count()).isGreaterThan(10);
        assertThat(regions.get(regions.size() - 1).end).isEqualTo(good.length);
        for (Region region : regions) {
            for (long at = region.start; at < region.end; at++) {
                byte[] bad = good.clone();
                bad[(int) at] ^= (byte) (1 << (at % 8));
                CorruptionException e = readEverything(bad);
                assertThat(e).as("flip at %d in %s went unnoticed", at, region.name).isNotNull();
                assertThat(e.file()).isEqualTo(FILE);
                assertThat(e.offset()).as("flip at %d in %s: %s", at, region.name, e.getMessage())
                        .isEqualTo(region.start);
                assertThat(e.getMessage()).contains(FILE.toString());
            }
        }
    }

    /** verify() reads every block from the file, past the cache: damage in any data block is found. */
    @Test
    void verifyFindsDamageInEveryDataBlock() throws Exception {
        byte[] good = goodTable();
        try (SstReader r = SstReader.open(diskWith(good), FILE, 9, null)) {
            r.verify();
        }
        for (Region region : regions(good)) {
            if (!region.name.startsWith("data")) {
                continue;
            }
            byte[] bad = good.clone();
            bad[(int) (region.start + region.end) / 2] ^= 0x10;
            BlockCache cache = new BlockCache(1 << 20);
            try (SstReader r = SstReader.open(diskWith(bad), FILE, 9, cache)) {
                assertThatThrownBy(r::verify).as(region.name).isInstanceOfSatisfying(CorruptionException.class,
                        e -> assertThat(e.offset()).isEqualTo(region.start));
            }
        }
    }

    /** Entries out of order behind a valid checksum (what a bug would write) are found by verify(). */
    @Test
    void verifyFindsEntriesOutOfOrderBehindAValidChecksum() throws Exception {
        byte[] bad = goodTable();
        Region block = regions(bad).get(3); // data block 2
        int start = (int) block.start;
        int size = (int) (block.end - block.start) - SstFormat.TRAILER_SIZE;
        assertThat(bad[start]).as("shared length of a restart entry").isZero();
        bad[start + 3] = 'z'; // first key byte of the block's first entry: "key-..." becomes "zey-..."
        SstCoding.putIntLE(bad, start + size + 1, SstCoding.crc(bad, start, size + 1));
        try (SstReader r = SstReader.open(diskWith(bad), FILE, 9, null)) {
            assertThatThrownBy(r::verify).isInstanceOfSatisfying(CorruptionException.class, e -> {
                assertThat(e.offset()).isEqualTo(block.start);
                assertThat(e.getMessage()).contains("out of internal-key order");
            });
        }
    }

    /** A table cut short anywhere, or with bytes appended, does not open. */
    @Test
    void aTruncatedOrExtendedFileDoesNotOpen() throws Exception {
        byte[] good = goodTable();
        for (int length = 0; length < good.length; length++) {
            SimulatedDisk disk = diskWith(java.util.Arrays.copyOf(good, length));
            int cut = length;
            assertThatThrownBy(() -> SstReader.open(disk, FILE, 9, null)).as("cut to %d bytes", cut)
                    .isInstanceOfSatisfying(CorruptionException.class, e -> {
                        assertThat(e.file()).isEqualTo(FILE);
                        assertThat(e.offset()).isBetween(0L, (long) cut);
                    });
        }
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 3);
        assertThatThrownBy(() -> SstReader.open(diskWith(longer), FILE, 9, null))
                .isInstanceOf(CorruptionException.class).hasMessageContaining("footer magic");
    }

    @Test
    void aTableOfANewerFormatVersionIsRejectedAsTooNew() throws Exception {
        byte[] bad = goodTable();
        int footer = bad.length - SstFormat.FOOTER_SIZE;
        SstCoding.putIntLE(bad, footer + SstFormat.FOOTER_VERSION, 2);
        SstCoding.putIntLE(bad, footer + SstFormat.FOOTER_CRC, SstCoding.crc(bad, footer, SstFormat.FOOTER_CRC));
        assertThatThrownBy(() -> SstReader.open(diskWith(bad), FILE, 9, null))
                .isInstanceOf(CorruptionException.class).hasMessageContaining("version 2 is too new");
    }

    /**
     * A data block whose checksum holds but whose structure is impossible (what a bug, not a disk, would write) is
     * still corruption, never an index or allocation error: arbitrary bytes behind a valid checksum.
     */
    @Property(tries = 400)
    void arbitraryBlockContentsDecodeOrFailAsCorruption(@ForAll @Size(max = 80) byte[] contents,
                                                        @ForAll @IntRange(min = 0, max = 3) int restarts) {
        byte[] data = java.util.Arrays.copyOf(contents, contents.length + 4 + 4 * restarts);
        for (int i = 0; i < restarts; i++) { // a plausible restart array half of the time
            SstCoding.putIntLE(data, contents.length + 4 * i, contents.length == 0 ? 0 : (i * 7) % contents.length);
        }
        SstCoding.putIntLE(data, data.length - 4, contents.length % 2 == 0 ? restarts : contents.length);
        try {
            Block block = Block.parse(data, data.length, FILE, 4242, SstFormat.TYPE_DATA);
            BlockIterator it = new BlockIterator();
            it.reset(block);
            for (it.seekToFirst(); it.valid(); it.next()) {
                it.userKey();
                it.value();
            }
            it.seek(new byte[]{1, 2}, 5);
        } catch (CorruptionException e) {
            assertThat(e.file()).isEqualTo(FILE);
            assertThat(e.offset()).isEqualTo(4242);
        }
        try {
            SstProperties.decode(contents, contents.length, FILE, 77);
        } catch (CorruptionException e) {
            assertThat(e.offset()).isEqualTo(77);
        }
    }

    /**
     * Opens the table and reads everything through every path (iteration, seeks, gets of every key at every
     * sequence). A read that returns must return exactly the written data.
     *
     * @return the corruption reported, or {@code null} if none was
     */
    private static CorruptionException readEverything(byte[] table) throws IOException {
        SimulatedDisk disk = diskWith(table);
        try (SstReader r = SstReader.open(disk, FILE, 9, new BlockCache(1 << 20))) {
            CorruptionException first = null;
            try {
                assertThat(SstWriterTest.readAll(r)).isEqualTo(SstWriterTest.describe(ENTRIES));
            } catch (CorruptionException e) {
                first = e;
            }
            for (Put p : ENTRIES) {
                try {
                    SstEntry e = r.get(p.key(), p.sequence());
                    if (e == null) {
                        fail("get lost an entry without reporting damage");
                    }
                    assertThat(e.sequence()).isEqualTo(p.sequence());
                    assertThat(e.kind()).isEqualTo(p.kind());
                    assertThat(e.value()).isEqualTo(p.value());
                } catch (CorruptionException e) {
                    first = first == null ? e : first;
                }
            }
            return first;
        } catch (CorruptionException e) {
            return e;
        }
    }
}
