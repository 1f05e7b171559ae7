package io.durakv.api.testkit;

import io.durakv.api.tools.DuraKvTool;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One run of {@link DuraKvTool} in-process, for the engines' tools tests: its exit code and what it printed.
 *
 * @param code the exit code
 * @param out  standard output
 * @param err  standard error
 */
public record ToolRun(int code, String out, String err) {

    /** Runs {@code DuraKvTool} with {@code args} and captures its output. */
    public static ToolRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = DuraKvTool.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new ToolRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Flips one bit of the byte at {@code offset} of {@code file} (damage for a verify to find). */
    public static void flip(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x10);
        }
    }

    /**
     * Checks that {@code verify} refuses the store in {@code dir} while {@code store} has it open (exit
     * {@link DuraKvTool#FAILED}, "is open"), that the store still works afterwards, and that once it is closed the
     * store verifies sound.
     */
    public static void assertRefusedWhileOpen(String engine, Path dir, io.durakv.api.KeyValueStore store) {
        try (store) {
            store.put(new byte[]{1}, new byte[]{2});
            ToolRun verify = of("verify", "--engine", engine, dir.toString());
            assertThat(verify.code()).isEqualTo(DuraKvTool.FAILED);
            assertThat(verify.err()).contains("is open");
            store.put(new byte[]{3}, new byte[]{4});
        }
        ToolRun after = of("verify", "--engine", engine, dir.toString());
        assertThat(after.code()).as(after.out() + after.err()).isEqualTo(DuraKvTool.OK);
    }

    /**
     * Checks the usage errors (exit {@link DuraKvTool#USAGE}) of the tools for {@code engine} on the store directory
     * {@code dir}: no arguments, no engine, an unknown engine (whose message lists {@code engine}), an unknown command,
     * a missing directory, a dump of a directory, and a dump of {@code foreign}, a file the engine does not write.
     */
    public static void assertUsageErrors(String engine, Path dir, Path foreign) {
        assertThat(of().code()).isEqualTo(DuraKvTool.USAGE);
        assertThat(of("verify", dir.toString()).code()).isEqualTo(DuraKvTool.USAGE);
        ToolRun unknown = of("verify", "--engine", "nosuch", dir.toString());
        assertThat(unknown.code()).isEqualTo(DuraKvTool.USAGE);
        assertThat(unknown.err()).contains("known: [").contains(engine);
        assertThat(of("frobnicate", "--engine", engine, dir.toString()).code()).isEqualTo(DuraKvTool.USAGE);
        assertThat(of("verify", "--engine", engine, dir.resolve("missing").toString()).code())
                .isEqualTo(DuraKvTool.USAGE);
        assertThat(of("dump", "--engine", engine, dir.toString()).code()).isEqualTo(DuraKvTool.USAGE);
        ToolRun dump = of("dump", "--engine", engine, foreign.toString());
        assertThat(dump.code()).as(dump.out() + dump.err()).isEqualTo(DuraKvTool.USAGE);
    }
}
