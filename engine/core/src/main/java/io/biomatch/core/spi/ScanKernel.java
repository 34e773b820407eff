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
        for (int ord = Bits.nextSetBit(live, fromOrdinal, toOrdinal); ord >= 0;
             ord = Bits.nextSetBit(live, ord + 1, toOrdinal)) {
            top.offer(score(probe, slots, (long) ord * slotBytes), ord);
        }
    }
}
