package io.biomatch.core.spi;

import java.lang.foreign.MemorySegment;

/**
 * Scores a probe against the fixed-stride slots of one shard segment. Runs on the shard's worker thread;
 * must not allocate per slot.
 *
 * @param <P> the prepared probe
 */
@FunctionalInterface
public interface ScanKernel<P> {
    /** Score of the probe against the slot that starts at {@code slotOffset} (bytes) in {@code slots}. */
    float score(P probe, MemorySegment slots, long slotOffset);

    /**
     * Offers every ordinal in {@code [fromOrdinal, toOrdinal)} whose bit is set in {@code live} to
     * {@code top}. Override to batch or vectorise across slots; the result must equal this loop's.
     */
    default void scan(P probe, MemorySegment slots, int slotBytes, long[] live, int fromOrdinal, int toOrdinal,
                      TopK top) {
        if (fromOrdinal >= toOrdinal) {
            return;
        }
        int lastWord = (toOrdinal - 1) >>> 6;
        for (int w = fromOrdinal >>> 6; w <= lastWord; w++) {
            long bits = live[w];
            if (w == fromOrdinal >>> 6) {
                bits &= -1L << fromOrdinal;              // drop ordinals before fromOrdinal
            }
            if (w == lastWord && (toOrdinal & 63) != 0) {
                bits &= (1L << (toOrdinal & 63)) - 1;    // drop ordinals from toOrdinal on
            }
            int base = w << 6;
            while (bits != 0) {
                int ord = base + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                top.offer(score(probe, slots, (long) ord * slotBytes), ord);
            }
        }
    }

    /**
     * Depth of an optional refinement, per shard: after the scan, the shard re-scores its {@code depth} best
     * candidates with {@link #refine} on its own worker thread and passes on the {@code shortlist} best by the
     * refined score (ties broken as in the scan), instead of the scan's {@code shortlist} best. A modality with a
     * cheap scan and a sharper, dearer score for its best fraction (a cascade) uses it; the refined scores are
     * what the merge and the re-scorer see. A depth equal to {@code shortlist} re-orders the shard's list by the refined
     * score; a smaller one refines nothing. Default 0.
     *
     * @param shortlist     candidates the shard passes on
     * @param shardRecords  live records of this modality in the shard
     */
    default int refineDepth(P probe, int shortlist, long shardRecords) {
        return 0;
    }

    /** The refined score of one candidate (see {@link #refineDepth}); must not allocate. Default: {@link #score}. */
    default float refine(P probe, MemorySegment slots, long slotOffset) {
        return score(probe, slots, slotOffset);
    }
}
