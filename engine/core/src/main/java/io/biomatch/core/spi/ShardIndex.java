package io.biomatch.core.spi;

import io.biomatch.core.SearchControl;
import java.lang.foreign.MemorySegment;

/**
 * Optional per-shard secondary index of a modality (an HNSW graph, postings), kept beside the shard's
 * fixed-stride slots by the shard's worker thread, which alone calls it. The slots stay the source the
 * index is built from: after a restart the core calls {@link #add} for every restored record, and after a
 * compaction it calls {@link #rebuild}.
 *
 * @param <P> the modality's prepared probe
 */
public interface ShardIndex<P> extends AutoCloseable {
    /** A new live record; {@code slot} spans all its slots and is valid during this call only. */
    void add(int ordinal, MemorySegment slot);

    /** The ordinal is dead (its slot stays until compaction). */
    void delete(int ordinal);

    /**
     * Ordinals were renumbered by compaction: the live records now start at the ordinals set in
     * {@code live} (below {@code count}) in {@code slots} (stride {@code slotBytes}). Rebuild or remap.
     */
    void rebuild(MemorySegment slots, int slotBytes, long[] live, int count);

    /**
     * Searches the index when this probe asks for it (e.g. {@code mode=hnsw}); returns false to let the
     * core run the exact scan instead. {@code slots} is the shard's current slot segment (stride
     * {@code slotBytes}, a record at {@code ordinal * slotBytes}): read candidates from it instead of
     * keeping copies; it is valid for this call only (the core reallocates it as the shard grows). Offer
     * only ordinals set in {@code allowed} to {@code top} ({@link TopK#capacity()} = the k wanted).
     * Check {@code control} now and then.
     */
    boolean search(P probe, MemorySegment slots, int slotBytes, long[] allowed, TopK top, SearchControl control);

    /**
     * How many records the last {@link #search} that returned true scored in a full pass over a plane of its own
     * (the allowed records). The core reports it as the search's slots scanned. Default 0: not a full pass (a
     * graph walk, postings), not counted.
     */
    default long lastSearchScored() {
        return 0;
    }

    /**
     * Work the index deferred so that no request waits for it (e.g. inserting into a graph the records it does not
     * hold yet after a restart or a compaction): the worker calls this between requests, once the start-up restore
     * is done, and the index does a slice of at most about {@code budgetNanos} (one step past it at most) and
     * returns whether work remains. Searches must stay correct at every point between slices. Default: none.
     */
    default boolean maintain(long budgetNanos) {
        return false;
    }

    /**
     * {@link #maintain(long)} on a slice that ends early when a request arrives: {@code requestWaiting} turns true
     * once one is queued for this shard and may cut the slice short. Check it where the budget is checked, so that
     * the request waits one step at most instead of the rest of the slice; do at least one step per call, or a
     * shard that is never idle would make no progress. The worker passes a supplier that is always false for the
     * slices it runs on a busy shard to keep the deferred work going. Default: {@link #maintain(long)}.
     */
    default boolean maintain(long budgetNanos, java.util.function.BooleanSupplier requestWaiting) {
        return maintain(budgetNanos);
    }

    /**
     * Called right after creation when the index is created for the start-up restore: the {@link #add} calls that
     * follow bring back stored records, none searched before the engine opens, so work that can wait for
     * {@link #maintain} should (a graph build would hold the engine's start for minutes). Default: nothing.
     */
    default void restoring() {
    }

    /**
     * Records the index does not hold yet (deferred work left, e.g. a graph build in progress): searches are still
     * correct but cost more. Published in the engine's stats. Default 0.
     */
    default long unindexedRecords() {
        return 0;
    }

    /** Bytes held off the Java heap (or memory-mapped). */
    long offHeapBytes();

    @Override
    void close();
}
