package io.durakv.bench.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * kvbench's workloads, named as in RocksDB's {@code db_bench} (plus YCSB's core mixes), in the order they run for
 * each engine. The "loaded" workloads share one store per engine, filled by {@link #FILLRANDOM} (or by an
 * unmeasured load when fillrandom is not selected); the others start on an empty store of their own.
 */
public enum Workload {
    /** N puts in key order into an empty store. */
    FILLSEQ("fillseq", true, "N puts in key order into an empty store"),
    /** N puts in a random order (every key once) into an empty store; this store is the loaded one. */
    FILLRANDOM("fillrandom", true, "N puts in random order (each key once) into an empty store; later workloads use it"),
    /** N puts of uniformly random existing keys. */
    OVERWRITE("overwrite", false, "N puts of uniformly random existing keys"),
    /** N gets of uniformly random existing keys. */
    READRANDOM("readrandom", false, "N gets of uniformly random existing keys (threads: --threads)"),
    /** N gets of keys that were never written, between existing ones. */
    READMISSING("readmissing", false, "N gets of absent keys that fall between existing ones"),
    /** One scan over the whole store; latency is per entry. */
    READSEQ("readseq", false, "a scan of the whole store; latency per entry"),
    /** N/10 short scans from uniformly random keys. */
    SEEKRANDOM("seekrandom", false, "N/10 scans of --seek-nexts entries from random existing keys"),
    /** YCSB C: 100 % reads, zipfian keys. */
    YCSB_C("ycsbc", false, "YCSB C: 100% gets, zipfian keys"),
    /** YCSB B: 95 % reads, 5 % updates, zipfian keys. */
    YCSB_B("ycsbb", false, "YCSB B: 95% gets, 5% puts, zipfian keys"),
    /** YCSB A: 50 % reads, 50 % updates, zipfian keys. */
    YCSB_A("ycsba", false, "YCSB A: 50% gets, 50% puts, zipfian keys"),
    /** YCSB F: 50 % reads, 50 % read-modify-writes, zipfian keys. */
    YCSB_F("ycsbf", false, "YCSB F: 50% gets, 50% read-modify-writes (one op), zipfian keys"),
    /** Readers doing random gets while one more thread overwrites random keys non-stop; the reads are measured. */
    READWHILEWRITING("readwhilewriting", false,
            "--threads readers doing N random gets while one writer overwrites random keys; reads are measured"),
    /** Puts of 16 KiB values into an empty store. */
    FILL16K("fill16k", true, "N/64 puts of 16 KiB values in random order into an empty store"),
    /** SYNC puts from one thread: a force per write. */
    FILLSYNC("fillsync", true, "--sync-ops SYNC puts (a force per write) from one thread into an empty store"),
    /** SYNC puts from --writers threads: forces shared by group commit where the engine has it. */
    GROUPCOMMIT("groupcommit", true,
            "2 x --sync-ops SYNC puts from --writers threads into an empty store (group commit)");

    /** Bytes of each value in {@link #FILL16K}. */
    public static final int LARGE_VALUE_BYTES = 16 * 1024;

    private final String id;
    private final boolean fresh;
    private final String description;

    Workload(String id, boolean fresh, String description) {
        this.id = id;
        this.fresh = fresh;
        this.description = description;
    }

    /** @return the name on the command line and in the report */
    public String id() {
        return id;
    }

    /** @return true if the workload starts on an empty store of its own */
    public boolean fresh() {
        return fresh;
    }

    /** @return true if the workload runs on the loaded store that fillrandom leaves */
    public boolean onLoadedStore() {
        return this == FILLRANDOM || !fresh;
    }

    /** @return what it does, for --help and the report */
    public String description() {
        return description;
    }

    /** @return true if this workload always runs in SYNC mode, whatever --sync-mode says */
    public boolean alwaysSync() {
        return this == FILLSYNC || this == GROUPCOMMIT;
    }

    /** @throws IllegalArgumentException naming the known workloads */
    public static Workload byId(String id) {
        for (Workload w : values()) {
            if (w.id.equals(id)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload '" + id + "'; known: " + ids());
    }

    /** @return every workload's name, in run order */
    public static List<String> ids() {
        List<String> ids = new ArrayList<>();
        for (Workload w : values()) {
            ids.add(w.id);
        }
        return ids;
    }
}
