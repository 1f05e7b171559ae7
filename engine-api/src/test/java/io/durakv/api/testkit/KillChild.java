package io.durakv.api.testkit;

import io.durakv.api.KeyValueStore;
import io.durakv.api.KeyValueStores;
import io.durakv.api.StorageEngine;
import io.durakv.api.StoreLockedException;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link ProcessKillSuite}: opens a store with {@link KeyValueStores#open} and either writes until it
 * is killed, or tries to open a directory another process holds. It reports on standard output, one line per event,
 * flushed at once, so that a parent reading the pipe knows exactly what was acknowledged when it sent SIGKILL:
 *
 * <pre>
 *   ready                 the store is open (recovery done)
 *   s &lt;thread&gt; &lt;index&gt;   the thread starts its index-th operation (printed before the call)
 *   a &lt;thread&gt; &lt;index&gt;   the call returned normally: acknowledged
 *   locked | opened | error &lt;class&gt; &lt;message&gt;   (lock mode) what the open did
 * </pre>
 *
 * Usage: {@code KillChild write|lock ENGINE DIR MODE SEED CYCLE THREADS KEYSPACE MAXVALUE [name=value ...]}. The
 * operations are {@link KillWorkload#ops} of the seed, so that the parent regenerates the same ones from the same
 * arguments instead of shipping them over the pipe.
 */
public final class KillChild {

    private KillChild() {
    }

    /** Runs the child; see the class comment for the arguments and the lines it prints. */
    public static void main(String[] args) throws Exception {
        // Buffered, so that each line reaches the pipe in one write call (atomic below PIPE_BUF): never half a line.
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 512),
                false, "US-ASCII");
        String command = args[0];
        String engine = args[1];
        Path dir = Path.of(args[2]);
        SyncMode mode = SyncMode.valueOf(args[3]);
        KillWorkload work = new KillWorkload(Long.parseLong(args[4]), Integer.parseInt(args[5]),
                Integer.parseInt(args[6]), Integer.parseInt(args[7]), Integer.parseInt(args[8]));
        StoreOptions.Builder options = StoreOptions.builder().syncMode(mode);
        for (int i = 9; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            options.property(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        if (command.equals("lock")) {
            try (KeyValueStore store = open(engine, dir, options.build())) {
                line(out, "opened " + store);
            } catch (StoreLockedException e) {
                line(out, "locked");
            } catch (RuntimeException e) {
                line(out, "error " + e.getClass().getName() + " " + e.getMessage());
            }
            return;
        }
        KeyValueStore store = open(engine, dir, options.build());
        line(out, "ready");
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < work.threads(); t++) {
            int thread = t;
            Thread writer = new Thread(() -> {
                for (long i = 0; ; i++) {
                    WorkOp op = work.op(thread, i);
                    if (op.isWrite()) {
                        line(out, "s " + thread + " " + i);
                    }
                    op.executeOn(store);
                    if (op.isWrite()) {
                        line(out, "a " + thread + " " + i);
                    }
                }
            }, "writer-" + t);
            threads.add(writer);
            writer.start();
        }
        for (Thread t : threads) {
            t.join(); // forever: the parent kills this process
        }
    }

    /**
     * Opens the store by engine name through {@link KeyValueStores#open}; a name that is a class name (it holds a dot)
     * names a {@link StorageEngine} class to instantiate instead, for test engines that must not be registered.
     */
    static KeyValueStore open(String engine, Path dir, StoreOptions options) {
        if (!engine.contains(".")) {
            return KeyValueStores.open(engine, dir, options);
        }
        try {
            return ((StorageEngine) Class.forName(engine).getDeclaredConstructor().newInstance()).open(dir, options);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot instantiate engine class " + engine, e);
        }
    }

    /** Prints one line and flushes it into the pipe; lines of different threads never interleave. */
    private static void line(PrintStream out, String text) {
        synchronized (out) {
            out.print(text + "\n");
            out.flush();
        }
    }
}
