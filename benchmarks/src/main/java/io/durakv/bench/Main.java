package io.durakv.bench;

import io.durakv.bench.kv.KvBench;

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
            case "jmh" -> org.openjdk.jmh.Main.main(rest);
            case "kvbench" -> System.exit(KvBench.run(rest, System.out, System.err));
            case "help", "--help", "-h" -> {
                System.out.println("usage: java -jar durakv-bench.jar <command>");
                System.out.println("  example [dir]   write, read, close, reopen and read again, through the write-ahead");
                System.out.println("                  log and every engine on the class path (default dir: a temp dir)");
                System.out.println("  kvbench [flags]  every DuraKV engine beside RocksDB, LevelDB, LMDB, MVStore, Xodus and");
                System.out.println("                  MapDB, db_bench/YCSB workloads, tables + kvbench.json + kvbench.html;");
                System.out.println("                    kvbench --quick                 the README's run: 100 k keys, a few minutes");
                System.out.println("                    kvbench --help                  every flag");
                System.out.println("  jmh [jmh args]  the JMH microbenchmarks; takes JMH's own options, e.g.");
                System.out.println("                    jmh -l                          list the benchmarks");
                System.out.println("                    jmh RawDisk -f 1 -wi 2 -i 3     the raw FileChannel ceilings");
                System.out.println("                    jmh WalAppend -p mode=SYNC      WAL append, one sync mode");
                System.out.println("                    jmh WalAppend -bm sample        latency percentiles (p50/p99)");
                System.out.println("                  -Ddurakv.bench.dir=DIR (a JVM option, before -jar) sets where the");
                System.out.println("                  benchmark files go (default: java.io.tmpdir); see docs/benchmarks.md");
            }
            default -> {
                System.err.println("unknown command '" + command + "'; try: help");
                System.exit(2);
            }
        }
    }
}
