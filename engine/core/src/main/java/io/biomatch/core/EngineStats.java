package io.biomatch.core;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of the engine's size.
 *
 * @param storedRecords     records in the durable store
 * @param liveByModality    searchable records per modality (all shards)
 * @param shards            per-shard figures
 * @param offHeapBytes      bytes of shard segments (slots and ids) off the Java heap
 * @param storeOffHeapBytes bytes of the record store's memory mapping (a sparse file sized for the planned
 *                          records; the pages actually touched are fewer)
 * @param heapUsedBytes     Java heap in use by the whole process
 * @param segmentHeapBytes  heap held by shard bookkeeping (primitive arrays: live bits, id table, postings)
 * @param skippedAtStart    stored records that could not be loaded into segments at start (corrupt, or
 *                          of a modality not present in this build)
 */
public record EngineStats(long storedRecords, Map<String, Long> liveByModality, List<ShardStats> shards,
                          long offHeapBytes, long storeOffHeapBytes, long heapUsedBytes, long segmentHeapBytes,
                          long skippedAtStart) {
    /**
     * One shard: live and dead (deleted, not yet compacted) slots per modality, its queue length, and per modality
     * the records its index does not hold yet (a graph being built between requests; absent when none).
     */
    public record ShardStats(int index, Map<String, Long> liveByModality, Map<String, Long> deadByModality,
                             long offHeapBytes, int queuedTasks, Map<String, Long> unindexedByModality) {
    }
}
