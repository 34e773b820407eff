package io.biomatch.core;

import java.nio.file.Path;

/**
 * Engine settings.
 *
 * @param dataDir              directory of the durable record store (created if missing)
 * @param shards               number of shards, each owned by one worker thread (default: available processors)
 * @param maxRecords           planned number of records, sizes the record store and the address space each shard's
 *                             segments reserve to grow in place (twice its share; memory is committed only as used)
 * @param averageRecordBytes   planned average stored record size in bytes, sizes the record store
 * @param shardQueueCapacity   tasks queued per shard before requests are refused as overloaded
 * @param workThreads          threads for template extraction, probe preparation, merging and re-scoring
 * @param workQueueCapacity    tasks queued for those threads before requests are refused as overloaded
 * @param maxPayloadBytes      largest accepted payload total of one request, in bytes
 * @param indexSliceMicros     budget of one slice of a shard's deferred index work (graph inserts, snapshots), run
 *                             between requests. A request that arrives during a slice on an idle shard ends it at the
 *                             next step (one graph insert); a shard that is never idle still runs one whole slice per
 *                             five of these, and a request waits behind that one. Smaller: lower latency behind those
 *                             slices, slower catch-up under load. Default {@value #DEFAULT_INDEX_SLICE_MICROS}
 * @param minFreeMemoryBytes   enrolments are refused (RESOURCE_EXHAUSTED) while the memory this process can still
 *                             take (the machine's available memory, or its cgroup's room when smaller) is below
 *                             this; searches and deletes go on. Why: shards grow in reserved address space whose
 *                             pages are committed as written, so running out brings the kernel's OOM killer rather
 *                             than an error. A compaction runs only when its copy of a segment's live slots fits
 *                             above this too (an automatic one waits for a later delete; {@code Engine.compact}
 *                             fails). 0 turns the checks off. Default {@value #DEFAULT_MIN_FREE_MEMORY_BYTES}
 */
public record EngineConfig(Path dataDir, int shards, long maxRecords, int averageRecordBytes, int shardQueueCapacity,
                           int workThreads, int workQueueCapacity, int maxPayloadBytes, int indexSliceMicros,
                           long minFreeMemoryBytes) {
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
    /** 10 ms: a handful of face graph inserts at 1,000,000 faces (~1.6 ms each). */
    public static final int DEFAULT_INDEX_SLICE_MICROS = 10_000;
    /** Index slices from 100 us (under that, the clock checks would dominate) to 1 s. */
    public static final int MIN_INDEX_SLICE_MICROS = 100;
    public static final int MAX_INDEX_SLICE_MICROS = 1_000_000;
    /**
     * 256 MiB: room for searches' scratch, the JVM's own growth and the graph work already queued, while enrolments
     * wait (a face record takes ~4 KB across slot, planes and graph).
     */
    public static final long DEFAULT_MIN_FREE_MEMORY_BYTES = 256L << 20;

    public EngineConfig {
        if (dataDir == null) {
            throw new IllegalArgumentException("dataDir is required");
        }
        if (shards < 1 || shards > 1024) {
            throw new IllegalArgumentException("shards must be 1..1024: " + shards);
        }
        if (maxRecords < 1 || averageRecordBytes < 1 || shardQueueCapacity < 1 || workThreads < 1
                || workQueueCapacity < 1 || maxPayloadBytes < 1) {
            throw new IllegalArgumentException("sizes and capacities must be positive");
        }
        if (indexSliceMicros < MIN_INDEX_SLICE_MICROS || indexSliceMicros > MAX_INDEX_SLICE_MICROS) {
            throw new IllegalArgumentException("index slice must be " + MIN_INDEX_SLICE_MICROS + ".."
                    + MAX_INDEX_SLICE_MICROS + " us: " + indexSliceMicros);
        }
        if (minFreeMemoryBytes < 0) {
            throw new IllegalArgumentException("minimum free memory must be >= 0 bytes: " + minFreeMemoryBytes);
        }
    }

    /** Defaults: one shard per processor, room for 1,000,000 records of about 4 KiB. */
    public static EngineConfig defaults(Path dataDir) {
        int cpus = Runtime.getRuntime().availableProcessors();
        return new EngineConfig(dataDir, cpus, 1_000_000, 4096, 4096, Math.max(2, cpus), 4096,
                DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_INDEX_SLICE_MICROS, DEFAULT_MIN_FREE_MEMORY_BYTES);
    }

    public EngineConfig withShards(int n) {
        return new EngineConfig(dataDir, n, maxRecords, averageRecordBytes, shardQueueCapacity, workThreads,
                workQueueCapacity, maxPayloadBytes, indexSliceMicros, minFreeMemoryBytes);
    }

    public EngineConfig withCapacity(long records, int avgBytes) {
        return new EngineConfig(dataDir, shards, records, avgBytes, shardQueueCapacity, workThreads,
                workQueueCapacity, maxPayloadBytes, indexSliceMicros, minFreeMemoryBytes);
    }

    public EngineConfig withQueues(int shardQueue, int workQueue) {
        return new EngineConfig(dataDir, shards, maxRecords, averageRecordBytes, shardQueue, workThreads, workQueue,
                maxPayloadBytes, indexSliceMicros, minFreeMemoryBytes);
    }

    public EngineConfig withWorkThreads(int n) {
        return new EngineConfig(dataDir, shards, maxRecords, averageRecordBytes, shardQueueCapacity, n,
                workQueueCapacity, maxPayloadBytes, indexSliceMicros, minFreeMemoryBytes);
    }

    public EngineConfig withMaxPayloadBytes(int bytes) {
        return new EngineConfig(dataDir, shards, maxRecords, averageRecordBytes, shardQueueCapacity, workThreads,
                workQueueCapacity, bytes, indexSliceMicros, minFreeMemoryBytes);
    }

    public EngineConfig withIndexSliceMicros(int micros) {
        return new EngineConfig(dataDir, shards, maxRecords, averageRecordBytes, shardQueueCapacity, workThreads,
                workQueueCapacity, maxPayloadBytes, micros, minFreeMemoryBytes);
    }

    public EngineConfig withMinFreeMemoryBytes(long bytes) {
        return new EngineConfig(dataDir, shards, maxRecords, averageRecordBytes, shardQueueCapacity, workThreads,
                workQueueCapacity, maxPayloadBytes, indexSliceMicros, bytes);
    }
}
