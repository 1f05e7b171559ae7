package io.durakv.lsm;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Review of the block decoder's fast path (f813ceb): an entry whose three lengths are one-byte varints and which lies
 * inside the entries is decoded without the checked cursor. Damage at its edges — lengths that point just past the end
 * of the entries, a shared prefix longer than the previous key, any byte of a block changed behind a valid checksum —
 * must give a {@link CorruptionException} naming the file and the block's offset, never wrong data at the edges and
 * never an index error.
 */
class BlockFastPathReviewTest {

    private static final Path FILE = Path.of("/db/000042.sst");
    private static final long OFFSET = 4242;

    /** A block's contents and where each entry starts. */
    private record Built(byte[] data, int[] entryAt, List<byte[]> keys, List<byte[]> values) {
    }

    /**
     * Keys sharing long prefixes and of lengths around the one-byte varint limit (internal keys of 127 and 128 bytes),
     * values of 0, 1, 119, 127 and 128 bytes: entries on both paths, the last one on the fast path.
     */
    private static Built build(int restartInterval) {
        BlockBuilder b = new BlockBuilder(restartInterval, 4096);
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        int[] valueSizes = {0, 1, 119, 127, 128, 5};
        int[] keySizes = {1, 20, 117, 5, 118, 30, 2, 119, 40, 10};
        int n = 24;
        int[] at = new int[n];
        for (int i = 0; i < n; i++) {
            byte[] key = new byte[keySizes[i % keySizes.length]];
            Arrays.fill(key, (byte) 'k');
            key[key.length - 1] = (byte) ('a' + i); // ascending: the last byte grows, the shared prefix stays long
            if (key.length >= 2) {
                key[key.length - 2] = (byte) ('a' + i);
            }
            key = prefixed(i, key);
            byte[] value = new byte[valueSizes[i % valueSizes.length]];
            Arrays.fill(value, (byte) i);
            at[i] = b.size();
            b.add(key, 1000 - i, EntryKind.PUT, value, 0, value.length);
            keys.add(key);
            values.add(value);
        }
        // The last entry: small, all three lengths one-byte varints, ending exactly at the restart array.
        b.finish();
        return new Built(Arrays.copyOf(b.array(), b.size()), at, keys, values);
    }

    /** Keys ascending by a two-byte big-endian prefix of their index. */
    private static byte[] prefixed(int i, byte[] rest) {
        byte[] k = new byte[rest.length + 2];
        k[0] = (byte) (i >>> 8);
        k[1] = (byte) i;
        System.arraycopy(rest, 0, k, 2, rest.length);
        return k;
    }

    private static int entriesEnd(byte[] data) {
        int restarts = SstCoding.getIntLE(data, data.length - 4);
        return data.length - 4 - 4 * restarts;
    }

    /** Decodes every entry and seeks to every key: what a damaged block gives, or its corruption. */
    private static List<String> readAll(byte[] data, List<byte[]> seekKeys) {
        Block block = Block.parse(data, data.length, FILE, OFFSET, SstFormat.TYPE_DATA);
        BlockIterator it = new BlockIterator();
        it.reset(block);
        List<String> out = new ArrayList<>();
        for (it.seekToFirst(); it.valid(); it.next()) {
            out.add(Arrays.toString(it.userKey()) + "@" + it.sequence() + "=" + Arrays.toString(it.value()));
        }
        for (byte[] k : seekKeys) {
            it.reset(block);
            it.seek(k, Long.MAX_VALUE);
            if (it.valid()) {
                it.userKey();
                it.value();
                it.next();
            }
        }
        return out;
    }

    private static void assertCorruptionHere(Throwable t) {
        assertThat(t).isInstanceOf(CorruptionException.class);
        CorruptionException e = (CorruptionException) t;
        assertThat(e.file()).isEqualTo(FILE);
        assertThat(e.offset()).isEqualTo(OFFSET);
    }

    @Test
    void entriesOnBothPathsDecodeExactlyUpToTheLastByteOfTheEntries() {
        for (int interval : new int[] {1, 3, 16}) {
            Built b = build(interval);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < b.keys().size(); i++) {
                expected.add(Arrays.toString(b.keys().get(i)) + "@" + (1000 - i) + "="
                        + Arrays.toString(b.values().get(i)));
            }
            assertThat(readAll(b.data(), b.keys())).as("restart interval %d", interval)
                    .containsExactlyElementsOf(expected);
            Block block = Block.parse(b.data(), b.data().length, FILE, OFFSET, SstFormat.TYPE_DATA);
            BlockIterator it = new BlockIterator();
            it.reset(block);
            for (int i = 0; i < b.keys().size(); i++) { // every key found by a seek, at its own entry
                it.seek(b.keys().get(i), Long.MAX_VALUE);
                assertThat(it.valid()).isTrue();
                assertThat(it.userKey()).isEqualTo(b.keys().get(i));
                assertThat(it.value()).isEqualTo(b.values().get(i));
            }
        }
    }

    @Test
    void theLastEntrysLengthsPointingJustPastTheEntriesAreCorruption() {
        Built b = build(4);
        int last = b.entryAt()[b.entryAt().length - 1];
        int end = entriesEnd(b.data());
        assertThat(b.data()[last + 1] + b.data()[last + 2] + 3 + last).as("the last entry ends at the restarts")
                .isEqualTo(end);
        // The value length one and two bytes too long; the key length one too long (the value then runs past); both.
        int[][] damages = {{2, 1}, {2, 2}, {1, 1}, {1, 2}, {2, 0x7F - b.data()[last + 2]}};
        for (int[] d : damages) {
            byte[] bad = b.data().clone();
            bad[last + d[0]] += (byte) d[1];
            assertThat(bad[last + d[0]]).as("still a one-byte varint").isNotNegative();
            assertThatThrownBy(() -> readAll(bad, b.keys())).as("length byte %d + %d", d[0], d[1])
                    .satisfies(BlockFastPathReviewTest::assertCorruptionHere)
                    .hasMessageContaining("runs past the end");
        }
    }

    @Test
    void aSharedPrefixLongerThanThePreviousKeyIsCorruption() {
        Built b = build(1000); // one restart: every entry after the first shares a prefix
        for (int i = 1; i < b.entryAt().length; i++) {
            int at = b.entryAt()[i];
            int previousKeyLength = b.keys().get(i - 1).length + SstFormat.KEY_TRAILER_SIZE;
            if (previousKeyLength + 1 > 0x7F) {
                continue; // a two-byte varint: the checked path, covered by the existing tests
            }
            byte[] bad = b.data().clone();
            bad[at] = (byte) (previousKeyLength + 1);
            int entry = i;
            assertThatThrownBy(() -> readAll(bad, List.of())).as("entry %d", entry)
                    .satisfies(BlockFastPathReviewTest::assertCorruptionHere)
                    .hasMessageContaining("shared key length");
        }
        byte[] first = b.data().clone();
        first[0] = 1; // the first entry shares with no key
        assertThatThrownBy(() -> readAll(first, List.of()))
                .satisfies(BlockFastPathReviewTest::assertCorruptionHere);
    }

    /**
     * Every byte of the entries changed to each of several values, behind a valid checksum (what a writer bug would
     * produce): decoding either works or reports corruption of this block, never an index or allocation error.
     */
    @Test
    void anyByteOfTheEntriesDamagedDecodesOrIsCorruptionNeverAnIndexError() {
        for (int interval : new int[] {1, 4}) {
            Built b = build(interval);
            int end = entriesEnd(b.data());
            int corruptions = 0;
            for (int p = 0; p < end; p++) {
                byte original = b.data()[p];
                byte[] candidates = {0, 1, 8, 0x7F, (byte) 0x80, (byte) 0xFF, (byte) (original + 1),
                        (byte) (original - 1)};
                for (byte c : candidates) {
                    if (c == original) {
                        continue;
                    }
                    byte[] bad = b.data().clone();
                    bad[p] = c;
                    try {
                        readAll(bad, b.keys());
                    } catch (CorruptionException e) {
                        assertCorruptionHere(e);
                        corruptions++;
                    } catch (RuntimeException | OutOfMemoryError e) {
                        fail("byte " + p + " set to " + c + " (restart interval " + interval + "): " + e, e);
                    }
                }
            }
            assertThat(corruptions).as("damage is found").isPositive();
        }
    }

    /**
     * Through a table: the last entry of a data block with its value length one past the block's entries, checksum
     * recomputed. Reading the table reports the file and the block's offset.
     */
    @Test
    void aTablesBlockWhoseLastEntryRunsPastItsEntriesIsCorruptionNamingFileAndBlockOffset() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(FILE.getParent());
        List<SstTables.Put> entries = SstTables.entries(30, 10);
        SstTables.write(disk, FILE, SstOptions.defaults().withBlockBytes(128).withRestartInterval(2), entries);
        byte[] table = disk.content(FILE);
        long blockOffset;
        int blockSize;
        try (SstReader r = SstReader.open(disk, FILE, 9, null)) {
            assertThat(r.index().size()).isGreaterThan(2);
            blockOffset = r.index().offset(1);
            blockSize = r.index().blockSize(1);
        }
        int start = (int) blockOffset;
        byte[] block = Arrays.copyOfRange(table, start, start + blockSize);
        int end = entriesEnd(block);
        int at = 0;
        int last = -1;
        while (at < end) { // walk the entries (one-byte lengths in this table)
            assertThat(block[at] | block[at + 1] | block[at + 2]).isNotNegative();
            last = at;
            at += 3 + block[at + 1] + block[at + 2];
        }
        assertThat(at).isEqualTo(end);
        table[start + last + 2]++;
        CRC32C crc = new CRC32C();
        crc.update(table, start, blockSize + 1);
        SstCoding.putIntLE(table, start + blockSize + 1, (int) crc.getValue());
        SimulatedDisk damaged = new SimulatedDisk();
        damaged.createDirectories(FILE.getParent());
        try (var f = damaged.open(FILE, io.durakv.api.io.OpenMode.CREATE_NEW)) {
            f.write(0, java.nio.ByteBuffer.wrap(table));
            f.force(true);
        }
        for (boolean mapped : new boolean[] {false, true}) {
            try (SstReader r = SstReader.open(damaged, FILE, 9, null, mapped); InternalIterator it = r.iterator()) {
                assertThatThrownBy(() -> {
                    for (it.seekToFirst(); it.valid(); it.next()) {
                        it.key();
                        it.value();
                    }
                }).isInstanceOfSatisfying(CorruptionException.class, e -> {
                    assertThat(e.file()).isEqualTo(FILE);
                    assertThat(e.offset()).isEqualTo(blockOffset);
                });
            }
        }
    }
}
