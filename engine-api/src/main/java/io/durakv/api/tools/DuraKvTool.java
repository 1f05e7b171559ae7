package io.durakv.api.tools;

import io.durakv.api.CorruptionException;
import io.durakv.api.StoreException;
import io.durakv.api.StoreLockedException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The command-line entry point of the offline tools: {@code verify}, {@code dump} and {@code stats} of a closed store,
 * by engine name (engines provide a {@link StoreInspector}).
 *
 * <pre>
 *   java -cp durakv-bench.jar io.durakv.api.tools.DuraKvTool verify --engine btree /data/store
 *   java -cp ... io.durakv.api.tools.DuraKvTool dump   --engine btree /data/store/wal/wal-00000000000000000001.log
 *   java -cp ... io.durakv.api.tools.DuraKvTool stats  --engine btree /data/store
 * </pre>
 *
 * Exit codes: {@value #OK} the store is sound (or the dump/stats completed), {@value #DAMAGED} damage was found,
 * {@value #USAGE} bad arguments (unknown command or engine, missing path), {@value #FAILED} the tool could not run
 * (the store is open in another process, a file cannot be read).
 */
public final class DuraKvTool {

    /** Exit code: nothing wrong. */
    public static final int OK = 0;
    /** Exit code: damage found. */
    public static final int DAMAGED = 1;
    /** Exit code: bad arguments. */
    public static final int USAGE = 2;
    /** Exit code: could not run (store locked, I/O error). */
    public static final int FAILED = 3;

    private static final String USAGE_TEXT = "usage: DuraKvTool verify|dump|stats --engine NAME PATH\n"
            + "  verify  check every checksum and structure of the closed store in directory PATH\n"
            + "  dump    print one file of a store (PATH is the file)\n"
            + "  stats   print files, sizes, live/dead bytes and key count of the store in directory PATH\n"
            + "exit codes: 0 ok, 1 damage found, 2 usage, 3 could not run";

    private DuraKvTool() {
    }

    /** Runs the tool and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the tool without exiting (for tests and embedding).
     *
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String command = null;
        String engine = null;
        String path = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--engine") && i + 1 < args.length) {
                engine = args[++i];
            } else if (a.equals("-h") || a.equals("--help")) {
                out.println(USAGE_TEXT);
                return OK;
            } else if (command == null) {
                command = a;
            } else if (path == null) {
                path = a;
            } else {
                return usage(err, "unexpected argument '" + a + "'");
            }
        }
        if (command == null || engine == null || path == null) {
            return usage(err, "a command, --engine NAME and a PATH are required");
        }
        Map<String, StoreInspector> inspectors = inspectors();
        StoreInspector inspector = inspectors.get(engine);
        if (inspector == null) {
            return usage(err, "no tools for engine '" + engine + "' on the class path; known: " + inspectors.keySet());
        }
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            return usage(err, path + " does not exist");
        }
        try {
            switch (command) {
                case "verify" -> {
                    if (!Files.isDirectory(p)) {
                        return usage(err, "verify needs the store's directory, " + path + " is not one");
                    }
                    boolean sound = inspector.verify(p, out);
                    out.println(sound ? "OK: no damage found in " + p : "DAMAGED: " + p);
                    return sound ? OK : DAMAGED;
                }
                case "dump" -> {
                    if (Files.isDirectory(p)) {
                        return usage(err, "dump needs one file of a store, " + path + " is a directory");
                    }
                    inspector.dump(p, out);
                    return OK;
                }
                case "stats" -> {
                    if (!Files.isDirectory(p)) {
                        return usage(err, "stats needs the store's directory, " + path + " is not one");
                    }
                    inspector.stats(p, out);
                    return OK;
                }
                default -> {
                    return usage(err, "unknown command '" + command + "'");
                }
            }
        } catch (CorruptionException e) {
            err.println("DAMAGED: " + e.getMessage());
            return DAMAGED;
        } catch (StoreLockedException e) {
            err.println("cannot run: " + e.getMessage() + " (close it first)");
            return FAILED;
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        } catch (IOException | StoreException e) {
            err.println("cannot run: " + e);
            return FAILED;
        }
    }

    /** @return the inspectors on the class path, by engine name */
    public static Map<String, StoreInspector> inspectors() {
        Map<String, StoreInspector> byName = new TreeMap<>();
        for (StoreInspector i : ServiceLoader.load(StoreInspector.class, DuraKvTool.class.getClassLoader())) {
            byName.putIfAbsent(i.engine(), i);
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null && context != DuraKvTool.class.getClassLoader()) {
            for (StoreInspector i : ServiceLoader.load(StoreInspector.class, context)) {
                byName.putIfAbsent(i.engine(), i);
            }
        }
        return byName;
    }

    private static int usage(PrintStream err, String problem) {
        err.println(problem);
        err.println(USAGE_TEXT);
        return USAGE;
    }
}
