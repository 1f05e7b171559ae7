package io.durakv.bench;

import io.durakv.api.KeyValueIterator;
import io.durakv.api.KeyValueStore;
import io.durakv.api.KeyValueStores;
import io.durakv.api.StoreOptions;
import io.durakv.api.SyncMode;
import io.durakv.api.WriteBatch;
import io.durakv.wal.WalOptions;
import io.durakv.wal.WriteAheadLog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The runnable example: writes, reads, closes, reopens and reads again — through the write-ahead log directly, and
 * through every engine found on the class path. Exits non-zero if anything read back differs from what was written.
 */
final class Example {

    private Example() {
    }

    static int run(String[] args) throws IOException {
        Path root = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("durakv-example");
        System.out.println("DuraKV example in " + root.toAbsolutePath());
        int failures = walExample(root.resolve("wal"));
        for (String engine : KeyValueStores.engines()) {
            failures += storeExample(engine, root.resolve(engine));
        }
        if (KeyValueStores.engines().isEmpty()) {
            System.out.println("no storage engine on the class path yet; the write-ahead log example ran alone");
        }
        System.out.println(failures == 0 ? "OK: everything read back as written" : "FAILED: " + failures + " mismatches");
        return failures == 0 ? 0 : 1;
    }

    private static int walExample(Path dir) {
        WalOptions options = WalOptions.builder().syncMode(SyncMode.SYNC).build();
        List<String> written = List.of("first record", "second record", "third record");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            for (String r : written) {
                long lsn = wal.append(r.getBytes(StandardCharsets.UTF_8));
                System.out.println("wal: appended LSN " + lsn + " (forced before append returned)");
            }
        }
        List<String> replayed = new ArrayList<>();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            wal.replay(1, (lsn, record) -> replayed.add(new String(record, StandardCharsets.UTF_8)));
            System.out.println("wal: reopened, replayed " + replayed.size() + " records, last LSN " + wal.lastLsn());
        }
        return replayed.equals(written) ? 0 : 1;
    }

    private static int storeExample(String engine, Path dir) {
        int failures = 0;
        StoreOptions options = StoreOptions.builder().syncMode(SyncMode.SYNC).build();
        try (KeyValueStore store = KeyValueStores.open(engine, dir, options)) {
            store.put(bytes("user:1"), bytes("Ada"));
            store.write(new WriteBatch().put(bytes("user:2"), bytes("Grace")).put(bytes("user:3"), bytes("Edsger")));
            store.delete(bytes("user:3"));
            failures += expect(engine, "before close", store.get(bytes("user:1")), "Ada");
        }
        try (KeyValueStore store = KeyValueStores.open(engine, dir, options)) {
            failures += expect(engine, "after reopen", store.get(bytes("user:2")), "Grace");
            failures += expect(engine, "after reopen", store.get(bytes("user:3")), null);
            try (KeyValueIterator it = store.scan(null, null)) {
                StringBuilder keys = new StringBuilder();
                it.forEachRemaining(kv -> keys.append(new String(kv.key(), StandardCharsets.UTF_8)).append(' '));
                System.out.println(engine + ": scan after reopen: " + keys.toString().trim());
            }
        }
        return failures;
    }

    private static int expect(String engine, String when, byte[] actual, String expected) {
        boolean ok = expected == null ? actual == null : Arrays.equals(actual, bytes(expected));
        System.out.println(engine + ": " + when + ": " + (actual == null ? "absent" : new String(actual,
                StandardCharsets.UTF_8)) + (ok ? "" : " (expected " + expected + ")"));
        return ok ? 0 : 1;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
