package io.biomatch.dna;

import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.TopK;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A single-segment packed gallery outside the engine: the same slots and kernel the shards use, for the
 * evaluation, the kernel-versus-reference tests and the scale measurement. Not thread-safe; close it to free the
 * off-heap memory.
 */
public final class PackedGallery implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment slots;
    private final long[] live;
    private final int capacity;
    private int size;
    private final DnaScanKernel kernel = new DnaScanKernel();

    public PackedGallery(int capacity) {
        this.capacity = capacity;
        this.slots = arena.allocate((long) capacity * DnaSlotLayout.SLOT_BYTES, 64);
        this.live = new long[Bits.words(capacity)];
    }

    /** Appends a profile; returns its ordinal. */
    public int add(StrProfile p) {
        if (size == capacity) {
            throw new IllegalStateException("gallery full");
        }
        DnaSlotLayout.write(p, slots.asSlice((long) size * DnaSlotLayout.SLOT_BYTES, DnaSlotLayout.SLOT_BYTES));
        Bits.set(live, size);
        return size++;
    }

    public int size() {
        return size;
    }

    /** Kernel score of one ordinal. */
    public float score(DnaProbe probe, int ordinal) {
        return kernel.score(probe, slots, (long) ordinal * DnaSlotLayout.SLOT_BYTES);
    }

    /** Top-k search over ordinals [from, to); ties by ordinal. Returns the count filled into the arrays. */
    public int search(DnaProbe probe, int k, int from, int to, float[] scores, int[] ordinals) {
        TopK top = new TopK(Integer::compare);
        top.reset(k, Float.NEGATIVE_INFINITY);
        kernel.scan(probe, slots, DnaSlotLayout.SLOT_BYTES, live, from, to, top);
        return top.drainBestFirst(scores, ordinals);
    }

    @Override
    public void close() {
        arena.close();
    }
}
