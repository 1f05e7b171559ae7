package io.durakv.bitcask;

import io.durakv.api.io.SimulatedDisk;
import io.durakv.wal.FramedFile;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review of round 5's hint entries written into plain arrays ({@link HintFile.Entries#add}): the files must hold
 * exactly the bytes docs/formats/bitcask.md ("Hint file") lays out, encoded here independently of the engine.
 */
class HintRound5ReviewTest {

    private static final int CHUNK = 128 << 10;

    private record Entry(boolean delete, byte[] key, long lsn, long offset, int size) {
    }

    /** The format doc's layout: identity frame, entry chunks (tag 1, entries back to back, at most 128 KiB), count. */
    private static List<byte[]> expectedPayloads(byte kind, long id, long coversBefore, List<Entry> entries) {
        List<byte[]> payloads = new ArrayList<>();
        ByteBuffer identity = ByteBuffer.allocate(29);
        identity.put("DKVBITC1".getBytes()).putInt(1).put(kind).putLong(id).putLong(coversBefore);
        payloads.add(identity.array());
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        for (Entry e : entries) {
            int size = 1 + 2 + e.key.length + 8 + 8 + 4;
            if (chunk.size() > 0 && chunk.size() + size > CHUNK) {
                payloads.add(chunk.toByteArray());
                chunk.reset();
            }
            if (chunk.size() == 0) {
                chunk.write(1);
            }
            ByteBuffer b = ByteBuffer.allocate(size); // big-endian
            b.put((byte) (e.delete ? 2 : 1)).putShort((short) e.key.length).put(e.key).putLong(e.lsn)
                    .putLong(e.offset).putInt(e.size);
            chunk.write(b.array(), 0, size);
        }
        if (chunk.size() > 0) {
            payloads.add(chunk.toByteArray());
        }
        payloads.add(ByteBuffer.allocate(9).put((byte) 2).putLong(entries.size()).array());
        return payloads;
    }

    private static byte[] framed(SimulatedDisk disk, Path path, List<byte[]> payloads) throws Exception {
        try (FramedFile.Writer out = FramedFile.create(disk, path)) {
            long seq = 0;
            for (byte[] p : payloads) {
                out.append(++seq, p);
            }
            out.finish();
        }
        return disk.content(path);
    }

    private static List<Entry> randomEntries(Random r, int n) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int length = switch (r.nextInt(10)) {
                case 0 -> 0;
                case 1 -> 0xFFFF; // the largest key
                case 2 -> 0xFFFF - r.nextInt(30);
                case 3 -> 4000 + r.nextInt(60_000);
                default -> r.nextInt(40);
            };
            byte[] key = new byte[length];
            r.nextBytes(key);
            long lsn = r.nextBoolean() ? 1 + r.nextInt(1000) : 1 + (r.nextLong() & (Long.MAX_VALUE - 1));
            long offset = r.nextBoolean() ? r.nextInt(1 << 20) : r.nextLong() & BitcaskFormat.MAX_OFFSET;
            int size = r.nextBoolean() ? 5 + length : r.nextInt() & Integer.MAX_VALUE;
            entries.add(new Entry(r.nextInt(4) == 0, key, lsn, offset, size));
        }
        return entries;
    }

    /**
     * Random entries (empty and 65 535-byte keys, sizes at every chunk boundary, the largest LSNs, offsets and sizes, puts
     * and tombstones) written by {@link HintFile#write} match the file built from the doc's layout byte for byte, and
     * read back to the same entries; a hint read back and continued ({@link HintFile.Entries#Entries(HintFile.Content)},
     * a segment that stays active after a reopen) keeps its chunks and appends new ones.
     */
    @Test
    void hintFilesHoldExactlyTheDocumentedBytes() throws Exception {
        for (int round = 0; round < 12; round++) {
            Random r = new Random(round);
            List<Entry> entries = randomEntries(r, round < 2 ? round * 3 : 20 + r.nextInt(200));
            SimulatedDisk disk = new SimulatedDisk();
            disk.createDirectories(Path.of("/d"));
            HintFile.Entries collected = new HintFile.Entries();
            for (Entry e : entries) {
                collected.add(e.delete, e.key, e.lsn, e.offset, e.size);
            }
            long id = 1 + r.nextInt(1 << 20);
            Path written = Path.of("/d/hint-a.hint");
            HintFile.write(disk, written, BitcaskFormat.KIND_SEGMENT_HINT, id, 0, collected);
            byte[] want = framed(disk, Path.of("/d/expected"),
                    expectedPayloads(BitcaskFormat.KIND_SEGMENT_HINT, id, 0, entries));
            assertThat(java.util.Arrays.mismatch(disk.content(written), want))
                    .as("first differing byte, round %d, %d entries", round, entries.size()).isEqualTo(-1);

            HintFile.Content content = HintFile.read(disk, written, BitcaskFormat.KIND_SEGMENT_HINT, id);
            assertThat(content).isNotNull();
            List<Entry> back = new ArrayList<>();
            content.forEach((delete, key, lsn, offset, size) -> back.add(new Entry(delete, key, lsn, offset, size)));
            assertThat(back).hasSize(entries.size());
            for (int i = 0; i < entries.size(); i++) {
                assertSame(back.get(i), entries.get(i));
            }

            // Resumed: the old chunks as they were, then the new entries in chunks of their own.
            HintFile.Entries resumed = new HintFile.Entries(content);
            List<Entry> more = randomEntries(r, 1 + r.nextInt(50));
            for (Entry e : more) {
                resumed.add(e.delete, e.key, e.lsn, e.offset, e.size);
            }
            Path merged = Path.of("/d/merge-b.hint");
            HintFile.write(disk, merged, BitcaskFormat.KIND_MERGE_HINT, id, 77, resumed);
            List<byte[]> old = expectedPayloads(BitcaskFormat.KIND_MERGE_HINT, id, 77, entries);
            List<byte[]> added = expectedPayloads(BitcaskFormat.KIND_MERGE_HINT, id, 77, more);
            List<byte[]> payloads = new ArrayList<>(old.subList(0, old.size() - 1));
            payloads.addAll(added.subList(1, added.size() - 1));
            payloads.add(ByteBuffer.allocate(9).put((byte) 2).putLong(entries.size() + more.size()).array());
            byte[] want2 = framed(disk, Path.of("/d/expected2"), payloads);
            assertThat(java.util.Arrays.mismatch(disk.content(merged), want2))
                    .as("first differing byte, resumed, round %d", round).isEqualTo(-1);
        }
    }

    private static void assertSame(Entry got, Entry want) {
        assertThat(got.delete).isEqualTo(want.delete);
        assertThat(got.key).isEqualTo(want.key);
        assertThat(got.lsn).isEqualTo(want.lsn);
        assertThat(got.offset).isEqualTo(want.offset);
        assertThat(got.size).isEqualTo(want.size);
    }
}
