package io.durakv.btree;

import io.durakv.api.CorruptionException;
import io.durakv.api.io.DiskFile;
import io.durakv.api.io.ReadMapping;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

import static io.durakv.btree.BTreeFormat.*;

/**
 * Page I/O on the data file: every data page carries a CRC32C over all its bytes after the checksum and its own page
 * id, both checked on every read; a mismatch is a {@link CorruptionException} naming the file and the page's offset.
 * Header slots are read and written here too. Does not cache (see {@link BufferPool}).
 *
 * <p>With {@link #mapReads}, data pages are read through read mappings of the file ({@link DiskFile#mapForReading}),
 * one per chunk of the file as the file reaches the chunk's end: on a local disk (Java 22+) a page read is then a copy
 * out of the page cache instead of a read call. Pages written later through {@link #write} or a {@link RunWriter}
 * are seen through the mapping (it is shared). The file never shrinks while open, so every mapped chunk stays inside
 * it; {@link #close()} releases the mappings before the file, and a read racing it fails with an
 * {@link IOException}, as a read call on a closed file does.
 *
 * <p>Thread-safe: positional reads and writes on one {@link DiskFile}.
 */
final class PageFile implements AutoCloseable {

    /** {@link #read(int, byte)}'s expected type for a node pointer: a leaf or an internal page. */
    static final byte ANY_NODE = -1;

    private final DiskFile file;
    private final int pageSize;
    /**
     * The generation of the durable header: no page it (or any reader) can reach was written by a later checkpoint.
     * A page claiming a later generation was written into space that header considers free, which happens only when
     * recovery fell back to an older header than the newest one that was forced (the newer slot was damaged): it is
     * reported, never read as data.
     */
    private volatile long maxGeneration = Long.MAX_VALUE;
    /** Bytes of each read mapping (a multiple of the page size); 0 while pages are read with read calls. */
    private long chunkBytes;
    /** The read mapping of each chunk of the file, null where none is made yet; replaced whole when one is added. */
    private volatile ReadMapping[] chunks = new ReadMapping[0];
    /** The size of the file as far as this object knows: at {@link #mapReads}, then the end of every write since. */
    private volatile long knownSize;
    /** Set by {@link #close()}; guarded by {@code this}. */
    private boolean closed;

    PageFile(DiskFile file, int pageSize) {
        this.file = file;
        this.pageSize = pageSize;
    }

    /**
     * Reads data pages through read mappings of {@code chunkBytes} (rounded down to whole pages) each from now on,
     * mapping each chunk when the file reaches its end. Call once, before the first read.
     *
     * @param chunkBytes 0: keep reading with read calls
     */
    void mapReads(long chunkBytes) throws IOException {
        long chunk = chunkBytes / pageSize * pageSize;
        if (chunk > 0) {
            knownSize = file.size();
        }
        this.chunkBytes = chunk;
    }

    /** Reads {@code page.remaining()} bytes at {@code offset}: through the chunk's mapping if the file covers it. */
    private void readPage(long offset, ByteBuffer page) throws IOException {
        long chunk = chunkBytes;
        if (chunk > 0) {
            int c = (int) (offset / chunk);
            ReadMapping[] mapped = chunks;
            ReadMapping m = c < mapped.length ? mapped[c] : null;
            if (m == null && (c + 1L) * chunk <= knownSize) { // long: c + 1 overflows for page 2^31 - 1
                m = mapChunk(c);
            }
            if (m != null) {
                m.read(offset, page);
                return;
            }
        }
        file.readFully(offset, page);
    }

    private synchronized ReadMapping mapChunk(int c) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        ReadMapping[] mapped = chunks;
        if (c < mapped.length && mapped[c] != null) {
            return mapped[c];
        }
        ReadMapping m = ReadMapping.mapOrReadThrough(file, c * chunkBytes, chunkBytes);
        ReadMapping[] grown = Arrays.copyOf(mapped, Math.max(mapped.length, c + 1));
        grown[c] = m;
        chunks = grown;
        return m;
    }

    /** The file now reaches at least {@code end} (a write there returned). Only the checkpoint's thread writes. */
    private void written(long end) {
        if (end > knownSize) {
            knownSize = end;
        }
    }

    /** Sets the durable header's generation; pages of later generations are corruption from now on. */
    void maxGeneration(long generation) {
        this.maxGeneration = generation;
    }

    int pageSize() {
        return pageSize;
    }

    /** @return the underlying file, for reading header slots with {@link Recovery#newestHeader} */
    DiskFile raw() {
        return file;
    }

    Path path() {
        return file.path();
    }

    /** @return the byte offset of page {@code id} */
    long offset(int id) {
        return (long) id * pageSize;
    }

    /** @return a new zeroed page buffer in the format's byte order */
    ByteBuffer newPage() {
        return ByteBuffer.allocate(pageSize).order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * Reads data page {@code id} and checks its checksum, its id and its type.
     *
     * @throws CorruptionException if any of them is wrong, or the page lies past the end of the file
     * @throws IOException         if the read fails
     */
    ByteBuffer read(int id, byte expectedType) throws IOException {
        return read(id, expectedType, newPage());
    }

    /**
     * Each thread's buffer for {@link #readTransient}: on the heap, so that the checks and the decoding that follow
     * read an array (a page read through a mapping is copied once either way; a read call copies it through the JDK's
     * own direct buffer, a memory copy next to the system call).
     */
    private static final ThreadLocal<ByteBuffer> TRANSIENT = new ThreadLocal<>();

    /**
     * As {@link #read}, into this thread's reusable buffer: the result is valid only until this thread's next
     * {@code readTransient}, for a caller that copies out what it keeps (decoding a node, an overflow chain).
     */
    ByteBuffer readTransient(int id, byte expectedType) throws IOException {
        ByteBuffer b = TRANSIENT.get();
        if (b == null || b.capacity() < pageSize) {
            b = ByteBuffer.allocate(Math.max(pageSize, BTreeFormat.DEFAULT_PAGE_SIZE)).order(ByteOrder.BIG_ENDIAN);
            TRANSIENT.set(b);
        }
        b.clear();
        if (b.capacity() != pageSize) {
            b = b.limit(pageSize).slice().order(ByteOrder.BIG_ENDIAN);
        }
        return read(id, expectedType, b);
    }

    private ByteBuffer read(int id, byte expectedType, ByteBuffer page) throws IOException {
        if (id < FIRST_DATA_PAGE) {
            throw new CorruptionException(path(), offset(id), "pointer to page " + id + ", which is not a data page");
        }
        try {
            uninterrupted(() -> readPage(offset(id), page));
        } catch (EOFException e) {
            throw new CorruptionException(path(), offset(id), "page " + id + " lies past the end of the file", e);
        }
        page.clear();
        if (page.getInt(P_CRC) != crc(page)) {
            throw new CorruptionException(path(), offset(id), "page " + id + " checksum mismatch");
        }
        if (page.getInt(P_PAGE_ID) != id) {
            throw new CorruptionException(path(), offset(id) + P_PAGE_ID, "page " + id + " holds page "
                    + page.getInt(P_PAGE_ID) + " (misdirected write)");
        }
        long generation = page.getLong(P_GENERATION);
        if (generation < 1 || generation > maxGeneration) {
            throw new CorruptionException(path(), offset(id) + P_GENERATION, "page " + id + " was written by checkpoint "
                    + generation + ", but the durable header is generation " + maxGeneration
                    + " (a newer header was lost)");
        }
        byte type = page.get(P_TYPE);
        boolean node = type == TYPE_LEAF || type == TYPE_INTERNAL;
        if (expectedType == ANY_NODE ? !node : type != expectedType) {
            throw new CorruptionException(path(), offset(id) + P_TYPE, "page " + id + " is a " + typeName(type)
                    + " page where a " + typeName(expectedType) + " page is expected");
        }
        return page;
    }

    /**
     * Stamps {@code page} with {@code id}, the writing checkpoint's {@code generation} and its checksum, and writes
     * it. Durable after {@link #force()}.
     */
    void write(int id, ByteBuffer page, long generation) throws IOException {
        stamp(id, page, generation);
        uninterrupted(() -> file.write(offset(id), page.duplicate().clear()));
        written(offset(id) + pageSize);
    }

    private void stamp(int id, ByteBuffer page, long generation) {
        if (id < FIRST_DATA_PAGE) {
            throw new IllegalArgumentException("page " + id + " is a header slot");
        }
        page.putInt(P_PAGE_ID, id);
        page.putLong(P_GENERATION, generation);
        page.putInt(P_CRC, crc(page));
    }

    /**
     * @param buffer where runs are gathered: its capacity (at least one page) bounds the bytes of one write
     * @return a writer of pages stamped with {@code generation} that writes each run of consecutive page ids with one
     *         write call
     */
    RunWriter runWriter(long generation, ByteBuffer buffer) {
        return new RunWriter(generation, buffer);
    }

    /**
     * Writes pages as {@link #write} does, but gathers pages of consecutive ids and writes each run with one call:
     * a checkpoint allocates free pages segment by segment in ascending order ({@link FreeSpace#allocate}), so most
     * of its pages form runs.
     * Pages are durable after {@link #flush()} and {@link #force()}. Not thread-safe.
     */
    final class RunWriter {
        private final long generation;
        private final ByteBuffer run;
        private int first;
        private int count;

        private RunWriter(long generation, ByteBuffer buffer) {
            if (buffer.capacity() < pageSize) {
                throw new IllegalArgumentException("a run buffer of " + buffer.capacity() + " bytes holds no page");
            }
            this.generation = generation;
            this.run = buffer;
        }

        /** Stamps {@code page} with {@code id} and adds it to the current run, writing that run first if needed. */
        void write(int id, ByteBuffer page) throws IOException {
            stamp(id, page, generation);
            if (count > 0 && (id != first + count || run.remaining() < pageSize)) {
                flush();
            }
            if (count == 0) {
                first = id;
                run.clear();
            }
            run.put(page.duplicate().clear());
            count++;
        }

        /** Writes the current run, if any. */
        void flush() throws IOException {
            if (count == 0) {
                return;
            }
            count = 0;
            run.flip();
            long end = offset(first) + run.remaining();
            uninterrupted(() -> file.write(offset(first), run));
            written(end);
        }
    }

    /** Writes {@code header} into its slot. Durable after {@link #force()}. */
    void writeHeader(Header header) throws IOException {
        uninterrupted(() -> file.write(offset(header.slot()), header.encode()));
    }

    /**
     * Overwrites header slot {@code slot} with zeros, so that it holds no valid header: after a failed header write
     * whose bytes may still have reached the page cache whole.
     */
    void wipeHeader(int slot) throws IOException {
        uninterrupted(() -> file.write(offset(slot), ByteBuffer.allocate(HEADER_BYTES)));
    }

    /**
     * Reads header slot {@code slot} of a file with this page size.
     *
     * @return the header, or null if the slot is not a valid header of this page size in its own slot
     */
    Header readHeader(int slot) throws IOException {
        return readHeader(file, slot, pageSize);
    }

    /** As {@link #readHeader(int)} on a file whose page size is not known yet. */
    static Header readHeader(DiskFile file, int slot, int pageSize) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
        long pos = (long) slot * pageSize;
        while (b.hasRemaining()) {
            if (file.read(pos + b.position(), b) < 0) {
                return null;
            }
        }
        Header h = Header.decode(b.clear());
        return h != null && h.pageSize() == pageSize && h.slot() == slot ? h : null;
    }

    /** Forces written pages and headers to stable storage. */
    void force() throws IOException {
        uninterrupted(() -> file.force(false));
    }

    /** An I/O call on the data file. */
    @FunctionalInterface
    private interface Io {
        void run() throws IOException;
    }

    /**
     * Runs {@code io} without the calling thread's interrupt flag, and sets the flag again afterwards. On the real file
     * system an I/O call of a thread whose flag is set closes the channel ({@code ClosedByInterruptException}) for
     * every thread: one interrupted lookup would make every later read fail and every checkpoint fail or be undone
     * forever. (An interrupt that arrives during the call itself still closes the channel: the store then fails
     * reads and checkpoints until reopened.)
     */
    private static void uninterrupted(Io io) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            io.run();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    long size() throws IOException {
        return file.size();
    }

    /** Releases the read mappings, then closes the file. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            closed = true;
            for (ReadMapping m : chunks) {
                if (m != null) {
                    m.close();
                }
            }
            chunks = new ReadMapping[0];
        }
        file.close();
    }

    private static int crc(ByteBuffer page) {
        CRC32C crc = new CRC32C();
        crc.update(page.duplicate().clear().position(P_CRC + 4));
        return (int) crc.getValue();
    }
}
