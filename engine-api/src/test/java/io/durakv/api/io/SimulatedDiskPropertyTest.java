package io.durakv.api.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random sequences of file and directory calls against a simple model of forced and written state; after each
 * sequence, crash images of many seeds must keep every promise: forced bytes of untouched pages survive, every other
 * forced-range sector is the old or the new version, sizes lie between the forced and the written size, and names
 * whose directory entry was forced are present exactly as forced.
 */
class SimulatedDiskPropertyTest {

    private static final int PAGE = SimulatedDisk.PAGE_SIZE;
    private static final int SECTOR = SimulatedDisk.SECTOR_SIZE;
    private static final Path DIR = Path.of("/db");
    private static final int NAMES = 4;

    enum Kind { WRITE, APPEND, TRUNCATE, FORCE, CREATE, DELETE, RENAME, FORCE_DIRECTORY }

    record Op(Kind kind, int name, int other, int position, int length) {
    }

    /** The model of one file: written bytes, forced bytes, and the pages changed since the last force. */
    private static final class FileModel {
        byte[] current = new byte[0];
        byte[] durable = new byte[0];
        final BitSet touched = new BitSet();

        void write(int position, byte[] data) {
            if (data.length == 0) {
                return;
            }
            if (position + data.length > current.length) {
                current = Arrays.copyOf(current, position + data.length);
            }
            System.arraycopy(data, 0, current, position, data.length);
            touched.set(position / PAGE, (position + data.length - 1) / PAGE + 1);
        }

        void truncate(int size) {
            if (size < current.length) {
                touched.set(size / PAGE, (current.length - 1) / PAGE + 1);
                current = Arrays.copyOf(current, size);
            }
        }

        void force() {
            durable = current.clone();
            touched.clear();
        }
    }

    @Provide
    Arbitrary<List<Op>> histories() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(
                Tuple.of(5, Kind.WRITE), Tuple.of(4, Kind.APPEND), Tuple.of(1, Kind.TRUNCATE),
                Tuple.of(3, Kind.FORCE), Tuple.of(2, Kind.CREATE), Tuple.of(1, Kind.DELETE),
                Tuple.of(1, Kind.RENAME), Tuple.of(2, Kind.FORCE_DIRECTORY));
        Arbitrary<Op> ops = Combinators.combine(kinds, Arbitraries.integers().between(0, NAMES - 1),
                Arbitraries.integers().between(0, NAMES - 1), Arbitraries.integers().between(0, 5 * PAGE),
                Arbitraries.integers().between(0, 3 * PAGE)).as(Op::new);
        return ops.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 300)
    void crashImagesKeepEveryForcedPromise(@ForAll("histories") List<Op> history, @ForAll long crashSeed)
            throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(DIR);
        Map<Integer, FileModel> files = new HashMap<>();
        TreeMap<String, Integer> currentNames = new TreeMap<>();
        TreeMap<String, Integer> durableNames = new TreeMap<>();
        int nextId = 0;
        int step = 0;
        for (Op op : history) {
            step++;
            String name = "f" + op.name();
            Path path = DIR.resolve(name);
            FileModel file = currentNames.containsKey(name) ? files.get(currentNames.get(name)) : null;
            byte[] data = DiskTestSupport.pattern(op.length(), step * 7);
            switch (op.kind()) {
                case CREATE -> {
                    if (file == null) {
                        disk.open(path, OpenMode.CREATE_NEW).close();
                        files.put(nextId, new FileModel());
                        currentNames.put(name, nextId++);
                    }
                }
                case WRITE, APPEND, TRUNCATE, FORCE -> {
                    if (file == null) {
                        continue;
                    }
                    try (DiskFile f = disk.open(path, OpenMode.READ_WRITE)) {
                        switch (op.kind()) {
                            case WRITE -> {
                                f.write(op.position(), ByteBuffer.wrap(data));
                                file.write(op.position(), data);
                            }
                            case APPEND -> {
                                assertThat(f.append(ByteBuffer.wrap(data))).isEqualTo(file.current.length);
                                file.write(file.current.length, data);
                            }
                            case TRUNCATE -> {
                                f.truncate(op.position());
                                file.truncate(op.position());
                            }
                            default -> {
                                f.force(op.position() % 2 == 0);
                                file.force();
                            }
                        }
                    }
                }
                case DELETE -> {
                    if (file != null) {
                        disk.delete(path);
                        currentNames.remove(name);
                    }
                }
                case RENAME -> {
                    String target = "f" + op.other();
                    if (file != null && !target.equals(name)) {
                        disk.rename(path, DIR.resolve(target));
                        currentNames.put(target, currentNames.remove(name));
                    }
                }
                case FORCE_DIRECTORY -> {
                    disk.forceDirectory(DIR);
                    durableNames = new TreeMap<>(currentNames);
                }
            }
        }
        for (Map.Entry<String, Integer> e : currentNames.entrySet()) {
            FileModel file = files.get(e.getValue());
            assertThat(disk.content(DIR.resolve(e.getKey()))).isEqualTo(file.current);
            assertThat(disk.durableContent(DIR.resolve(e.getKey()))).isEqualTo(file.durable);
        }
        for (int i = 0; i < 10; i++) {
            long seed = crashSeed + i;
            checkCrashImage(disk.crash(seed), seed, files, currentNames, durableNames);
        }
    }

    private static void checkCrashImage(SimulatedDisk image, long seed, Map<Integer, FileModel> files,
                                        Map<String, Integer> currentNames, Map<String, Integer> durableNames)
            throws IOException {
        TreeSet<String> names = new TreeSet<>(currentNames.keySet());
        names.addAll(durableNames.keySet());
        List<String> listed = image.list(DIR);
        assertThat(names).as("seed %d", seed).containsAll(listed);
        for (String name : names) {
            Integer current = currentNames.get(name);
            Integer durable = durableNames.get(name);
            if (!Objects.equals(current, durable)) {
                continue; // the crash decides
            }
            assertThat(listed).as("seed %d: forced name %s", seed, name).contains(name);
            checkContent(image.content(DIR.resolve(name)), files.get(current), seed, name);
        }
    }

    private static void checkContent(byte[] after, FileModel file, long seed, String name) {
        byte[] durable = file.durable;
        byte[] current = Arrays.copyOf(file.current, Math.max(file.current.length, durable.length));
        assertThat(after.length).as("seed %d: size of %s", seed, name)
                .isBetween(Math.min(durable.length, file.current.length),
                        Math.max(durable.length, file.current.length));
        int forcedEnd = Math.min(after.length, durable.length);
        for (int s = 0; s < forcedEnd; s += SECTOR) {
            int end = Math.min(s + SECTOR, forcedEnd);
            boolean isOld = Arrays.equals(after, s, end, durable, s, end);
            if (!file.touched.get(s / PAGE)) {
                assertThat(isOld).as("seed %d: %s forced sector at %d of an untouched page", seed, name, s).isTrue();
            } else {
                boolean isNew = Arrays.equals(after, s, end, current, s, end);
                assertThat(isOld || isNew).as("seed %d: %s sector at %d is old or new", seed, name, s).isTrue();
            }
        }
    }
}
