package io.durakv.bitcask;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.io.Disk;
import io.durakv.wal.BatchRecord;
import io.durakv.wal.FramedFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hint files (docs/formats/bitcask.md, "Hint files"): for one data file, every operation's key and where its record
 * is, without the values, so that opening a store rebuilds the key directory without reading values. A hint file is
 * a framed file: an identity frame, entry frames of up to 128 KiB, and a count frame, each CRC32C-checked, then the end
 * marker. A hint file that is missing, cut short, fails a checksum or names another file is ignored (logged at WARN)
 * and the data file is read instead: hints are a cache of the data, never trusted over it.
 *
 * <p>Stateless; a {@link Writer} is not thread-safe.
 */
final class HintFile {

    private static final Logger LOG = LoggerFactory.getLogger(HintFile.class);

    private static final byte TAG_ENTRIES = 1;
    private static final byte TAG_COUNT = 2;
    private static final int CHUNK_BYTES = 128 << 10;
    /** Fixed part of an entry: u8 kind, u16 key length, u64 LSN, u64 offset, u32 operation size. */
    private static final int ENTRY_FIXED = 1 + 2 + 8 + 8 + 4;

    private HintFile() {
    }

    /** Receives the entries of a hint file in order. */
    @FunctionalInterface
    interface EntryConsumer {
        void accept(boolean delete, byte[] key, long lsn, long offset, int opSize);
    }

    /** The validated content of a hint file, ready to {@link #forEach}. */
    static final class Content {
        private final List<byte[]> chunks;
        private final long count;
        private final long coversBefore;

        private Content(List<byte[]> chunks, long count, long coversBefore) {
            this.chunks = chunks;
            this.count = count;
            this.coversBefore = coversBefore;
        }

        long count() {
            return count;
        }

        /**
         * @return 0 for the hints of a whole sealed file; for a segment that was active at a clean close, the LSN up to
         *         which (exclusive) the hints cover it
         */
        long coversBefore() {
            return coversBefore;
        }

        void forEach(EntryConsumer consumer) {
            for (byte[] chunk : chunks) {
                decode(chunk, consumer);
            }
        }
    }

    /**
     * Reads and checks a whole hint file before anything of it is used.
     *
     * @return its content, or null if it is missing or damaged (logged) and the data file must be read instead
     */
    static Content read(Disk disk, Path path, byte kind, long id) {
        List<byte[]> payloads = new ArrayList<>();
        try {
            FramedFile.scan(disk, path, (seq, offset, payload) -> payloads.add(payload));
            if (payloads.size() < 2) {
                throw new CorruptionException(path, 0, "hint file has " + payloads.size() + " frames");
            }
            long coversBefore = BitcaskFormat.checkIdentity(payloads.get(0), path, 0, kind, id);
            ByteBuffer trailer = ByteBuffer.wrap(payloads.get(payloads.size() - 1));
            if (trailer.remaining() != 9 || trailer.get() != TAG_COUNT) {
                throw new CorruptionException(path, 0, "hint file does not end with its entry count");
            }
            long expected = trailer.getLong();
            List<byte[]> chunks = payloads.subList(1, payloads.size() - 1);
            long[] counted = new long[1];
            for (byte[] chunk : chunks) {
                decode(chunk, (delete, key, lsn, offset, size) -> counted[0]++);
            }
            if (counted[0] != expected) {
                throw new CorruptionException(path, 0, "hint file holds " + counted[0] + " entries but says "
                        + expected);
            }
            return new Content(new ArrayList<>(chunks), expected, coversBefore);
        } catch (NoSuchFileException e) {
            return null;
        } catch (CorruptionException | IllegalArgumentException e) {
            LOG.warn("ignoring hint file {}, reading its data file instead: {}", path, e.getMessage());
            return null;
        } catch (IOException e) {
            throw new StoreException("cannot read hint file " + path, e);
        }
    }

    private static void decode(byte[] chunk, EntryConsumer consumer) {
        try {
            ByteBuffer b = ByteBuffer.wrap(chunk);
            if (b.get() != TAG_ENTRIES) {
                throw new IllegalArgumentException("hint frame of unknown kind " + chunk[0]);
            }
            while (b.hasRemaining()) {
                byte kind = b.get();
                if (kind != BatchRecord.PUT && kind != BatchRecord.DELETE) {
                    throw new IllegalArgumentException("hint entry of unknown kind " + kind);
                }
                byte[] key = new byte[b.getShort() & 0xFFFF];
                b.get(key);
                long lsn = b.getLong();
                long offset = b.getLong();
                int size = b.getInt();
                if (lsn < 1 || offset < 0 || offset > BitcaskFormat.MAX_OFFSET || size < 0) {
                    throw new IllegalArgumentException("impossible hint entry: LSN " + lsn + ", offset " + offset
                            + ", size " + size);
                }
                consumer.accept(kind == BatchRecord.DELETE, key, lsn, offset, size);
            }
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("hint entry cut short", e);
        }
    }

    /**
     * Writes {@code entries} as hint file {@code path} (which must not exist) for file {@code id} of {@code kind},
     * and forces it; the caller forces the directory.
     *
     * @param coversBefore 0 for a whole sealed file; for the active segment at a clean close, the first LSN the hints
     *                     do not cover
     */
    static void write(Disk disk, Path path, byte kind, long id, long coversBefore, Entries entries)
            throws IOException {
        try (FramedFile.Writer out = FramedFile.create(disk, path)) {
            long seq = 1;
            out.append(seq, BitcaskFormat.identity(kind, id, coversBefore));
            for (byte[] chunk : entries.chunks()) {
                out.append(++seq, chunk);
            }
            out.append(++seq, ByteBuffer.allocate(9).put(TAG_COUNT).putLong(entries.count).array());
            out.finish();
        }
    }

    /**
     * Hint entries collected in memory, already encoded in frame-sized chunks. Not thread-safe. An entry is written
     * into a plain array (round 5: through a heap {@code ByteBuffer}, whose bounds and session checks on each of the
     * six puts were ~5 % of a put's time in a bulk load).
     */
    static final class Entries {

        private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
        private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
        private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

        private final List<byte[]> full = new ArrayList<>();
        private byte[] chunk = new byte[CHUNK_BYTES];
        private int used;
        private long count;

        Entries() {
        }

        /** Starts with the entries of a hint file read back (a segment that stays active after a reopen). */
        Entries(Content content) {
            full.addAll(content.chunks);
            count = content.count;
        }

        void add(boolean delete, byte[] key, long lsn, long offset, int opSize) {
            int at = used;
            if (CHUNK_BYTES - at < ENTRY_FIXED + key.length) {
                seal();
                at = 0;
            }
            byte[] c = chunk;
            if (at == 0) {
                c[at++] = TAG_ENTRIES;
            }
            c[at] = delete ? BatchRecord.DELETE : BatchRecord.PUT;
            SHORT.set(c, at + 1, (short) key.length);
            System.arraycopy(key, 0, c, at + 3, key.length);
            at += 3 + key.length;
            LONG.set(c, at, lsn);
            LONG.set(c, at + 8, offset);
            INT.set(c, at + 16, opSize);
            used = at + 20;
            count++;
        }

        long count() {
            return count;
        }

        /** Delivers the entries in the order added. */
        void forEach(EntryConsumer consumer) {
            for (byte[] chunk : chunks()) {
                decode(chunk, consumer);
            }
        }

        private void seal() {
            if (used > 0) {
                // A full chunk is kept as it is; a partial one (only at the end) is trimmed to its entries.
                full.add(used == chunk.length ? chunk : Arrays.copyOf(chunk, used));
                chunk = new byte[CHUNK_BYTES];
                used = 0;
            }
        }

        private List<byte[]> chunks() {
            seal();
            return full;
        }
    }
}
