package io.durakv.bench;

import java.util.Arrays;

/** Entry point of the benchmarks jar: {@code java -jar durakv-bench.jar <command> [args]}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (command) {
            case "example" -> System.exit(Example.run(rest));
            case "help", "--help", "-h" -> {
                System.out.println("usage: java -jar durakv-bench.jar <command>");
                System.out.println("  example [dir]   write, read, close, reopen and read again, through the write-ahead");
                System.out.println("                  log and every engine on the class path (default dir: a temp dir)");
            }
            default -> {
                System.err.println("unknown command '" + command + "'; try: help");
                System.exit(2);
            }
        }
    }
}
