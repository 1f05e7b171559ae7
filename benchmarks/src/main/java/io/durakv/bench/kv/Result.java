package io.durakv.bench.kv;

/**
 * One engine's figures for one workload.
 *
 * @param workload    the workload's id
 * @param engine      the engine's name
 * @param ops         operations measured (fewer than {@code plannedOps} if the workload hit its time cap)
 * @param threads     measured threads
 * @param seconds     wall time of the measured operations
 * @param p50Nanos    median latency of one operation
 * @param p99Nanos    99th percentile latency
 * @param p999Nanos   99.9th percentile latency
 * @param bytesOnDisk the store's bytes on disk after the workload and a close (-1 if not measured)
 * @param openNanos   time to reopen the store the workload left (recovery included); -1 if not measured
 * @param note        what else happened (e.g. the writer's ops in readwhilewriting), or empty
 * @param error       why the workload failed, or null
 * @param plannedOps  the operations the workload does when not capped
 * @param capSeconds  the workload's time cap in seconds, 0 for none
 * @param capped      true if the cap stopped the workload before {@code plannedOps}
 */
public record Result(String workload, String engine, long ops, int threads, double seconds, long p50Nanos,
                     long p99Nanos, long p999Nanos, long bytesOnDisk, long openNanos, String note, String error,
                     long plannedOps, double capSeconds, boolean capped) {

    /** @return operations per second, 0 for a failed workload */
    public double opsPerSec() {
        return error != null || seconds <= 0 ? 0 : ops / seconds;
    }

    /** @return a failed workload's row */
    static Result failed(String workload, String engine, String error) {
        return new Result(workload, engine, 0, 0, 0, 0, 0, 0, -1, -1, "", error, 0, 0, false);
    }
}
