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

    private static io.durakv.api.StoreOptions storeOptions(SimulatedDisk disk) {
        return io.durakv.api.StoreOptions.builder().syncMode(io.durakv.api.SyncMode.SYNC).disk(disk)
                .property("bitcask.fileBytes", "65536").property("bitcask.mergeDeadRatio", "0.6")
                .property("bitcask.backgroundMerge", "0").property("bitcask.cacheBytes", "32768").build();
    }

    /** One write of the second phase: step {@code i}'s key, and its value or null for a delete. */
    private static byte[][] phaseTwo(int i) {
        Random r = new Random(i);
        byte[] key = (i % 3 == 0 ? "a-long-key-in-the-arena-" + r.nextInt(60) : "k" + r.nextInt(60)).getBytes();
        byte[] value = r.nextInt(5) == 0 ? null : new byte[200 + r.nextInt(1500)];
        if (value != null) {
            r.nextBytes(value);
        }
        return new byte[][]{key, value};
    }

    /**
     * The resumed hint path under power loss: a store is closed cleanly mid-segment (a partial hint of the active
     * segment), reopened (its entries resumed from that hint), and written on until the segment is sealed, its whole
     * hint written from the resumed entries, and merges run. A power loss after each of a spread of mutating calls of
     * that second phase, then a crash image: reopening gives every acknowledged write (SYNC), and for the write the
     * power loss cut, its old or its new value.
     */
    @Test
    void powerLossAfterAResumedHintKeepsEveryAcknowledgedWrite() throws Exception {
        int phase2 = 260;
        long calls;
        {
            SimulatedDisk disk = phaseOne();
            long before = disk.mutatingCalls();
            try (BitcaskStore s = BitcaskStore.open(Stores.DIR, storeOptions(disk))) {
                for (int i = 0; i < phase2; i++) {
                    byte[][] op = phaseTwo(i);
                    if (op[1] == null) {
                        s.delete(op[0]);
                    } else {
                        s.put(op[0], op[1]);
                    }
                }
                assertThat(s.generation).as("merges in the second phase").isPositive();
            }
            assertThat(disk.list(Stores.DIR).stream().filter(n -> n.startsWith("hint-")).count()).isPositive();
            calls = disk.mutatingCalls() - before;
        }
        int checked = 0;
        for (long n = 0; n < calls; n += 1 + n / 40) {
            SimulatedDisk disk = phaseOne();
            java.util.Map<ByteBuffer, byte[]> model = modelAfterPhaseOne();
            byte[][] cut = null;
            BitcaskStore s = BitcaskStore.open(Stores.DIR, storeOptions(disk));
            disk.powerLossAfter(n);
            try {
                for (int i = 0; i < phase2; i++) {
                    byte[][] op = phaseTwo(i);
                    cut = op;
                    if (op[1] == null) {
                        s.delete(op[0]);
                        model.remove(ByteBuffer.wrap(op[0]));
                    } else {
                        s.put(op[0], op[1]);
                        model.put(ByteBuffer.wrap(op[0]), op[1]);
                    }
                    cut = null;
                }
            } catch (RuntimeException e) {
                // the power loss: this write may or may not have survived
            } finally {
                try {
                    s.close();
                } catch (RuntimeException ignored) {
                    // a store that lost power does not close cleanly
                }
            }
            SimulatedDisk image = disk.crash(n);
            try (BitcaskStore r = BitcaskStore.open(Stores.DIR, storeOptions(image))) {
                java.util.Set<ByteBuffer> all = new java.util.HashSet<>(model.keySet());
                for (int i = 0; i < phase2; i++) {
                    all.add(ByteBuffer.wrap(phaseTwo(i)[0]));
                }
                for (ByteBuffer k : all) {
                    byte[] got = r.get(k.array());
                    byte[] want = model.get(k);
                    if (cut != null && ByteBuffer.wrap(cut[0]).equals(k)) {
                        assertThat(java.util.Arrays.equals(got, want) || java.util.Arrays.equals(got, cut[1]))
                                .as("power loss after %d calls: the cut write's key", n).isTrue();
                    } else {
                        assertThat(got).as("power loss after %d calls: key %s", n, new String(k.array()))
                                .isEqualTo(want);
                    }
                }
                r.verify();
            }
            checked++;
        }
        assertThat(checked).isGreaterThan(50);
    }

    /** 40 keys written, some deleted, then a clean close in the middle of a segment (a partial hint). */
    private static SimulatedDisk phaseOne() {
        SimulatedDisk disk = new SimulatedDisk();
        try (BitcaskStore s = BitcaskStore.open(Stores.DIR, storeOptions(disk))) {
            for (int i = 0; i < 40; i++) {
                s.put(("k" + i).getBytes(), Stores.value(i, 1, 700));
            }
            for (int i = 0; i < 40; i += 9) {
                s.delete(("k" + i).getBytes());
            }
        }
        return disk;
    }

    private static java.util.Map<ByteBuffer, byte[]> modelAfterPhaseOne() {
        java.util.Map<ByteBuffer, byte[]> model = new java.util.HashMap<>();
        for (int i = 0; i < 40; i++) {
            if (i % 9 != 0) {
                model.put(ByteBuffer.wrap(("k" + i).getBytes()), Stores.value(i, 1, 700));
            }
        }
        return model;
    }
}
