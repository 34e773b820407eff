package io.biomatch.core;

import java.nio.file.Path;

/**
 * Engine settings.
 *
 * @param dataDir              directory of the durable record store (created if missing)
 * @param shards               number of shards, each owned by one worker thread (default: available processors)
 * @param maxRecords           planned number of records, sizes the record store
 * @param averageRecordBytes   planned average stored record size in bytes, sizes the record store
 * @param shardQueueCapacity   tasks queued per shard before requests are refused as overloaded
 * @param workThreads          threads for template extraction, probe preparation, merging and re-scoring
 * @param workQueueCapacity    tasks queued for those threads before requests are refused as overloaded
 * @param maxPayloadBytes      largest accepted payload total of one request, in bytes
 */
public record EngineConfig(Path dataDir, int shards, long maxRecords, int averageRecordBytes, int shardQueueCapacity,
                           int workThreads, int workQueueCapacity, int maxPayloadBytes) {
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

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
    }

    /** Defaults: one shard per processor, room for 1,000,000 records of about 4 KiB. */
    public static EngineConfig defaults(Path dataDir) {
        int cpus = Runtime.getRuntime().availableProcessors();
        return new EngineConfig(dataDir, cpus, 1_000_000, 4096, 4096, Math.max(2, cpus), 4096,
                DEFAULT_MAX_PAYLOAD_BYTES);
    }

    public EngineConfig withShards(int n) {
        return new EngineConfig(dataDir, n, maxRecords, averageRecordBytes, shardQueueCapacity, workThreads,
                workQueueCapacity, maxPayloadBytes);
    }

    public EngineConfig withCapacity(long records, int avgBytes) {
        return new EngineConfig(dataDir, shards, records, avgBytes, shardQueueCapacity, workThreads,
                workQueueCapacity, maxPayloadBytes);
    }

    public EngineConfig withQueues(int shardQueue, int workQueue) {
        return new EngineConfig(dataDir, shards, maxRecords, averageRecordBytes, shardQueue, workThreads, workQueue,
                maxPayloadBytes);
    }

    public EngineConfig withWorkThreads(int n) {
        return new EngineConfig(dataDir, shards, maxRecords, averageRecordBytes, shardQueueCapacity, n,
                workQueueCapacity, maxPayloadBytes);
    }

    public EngineConfig withMaxPayloadBytes(int bytes) {
        return new EngineConfig(dataDir, shards, maxRecords, averageRecordBytes, shardQueueCapacity, workThreads,
                workQueueCapacity, bytes);
    }
}
