package io.biomatch.bench;

import io.biomatch.core.Payload;
import io.biomatch.core.spi.Modality;
import io.biomatch.core.spi.ScanKernel;
import io.biomatch.core.spi.ScoreMeaning;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Benchmark fixture, not a product modality: a template is one little-endian int; the score is
 * {@code -|probe - slot|}. Its kernel costs almost nothing, so a search measures the engine's own per-probe
 * cost: probe preparation hand-off, fan-out to the shards, scan loop and top-K, merge.
 */
public final class TrivialModality implements Modality<int[]> {
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public String name() {
        return "trivial";
    }

    @Override
    public Set<String> formats() {
        return Set.of("int32");
    }

    @Override
    public int slotBytes() {
        return 4;
    }

    @Override
    public byte[] extractTemplate(List<Payload> payloads) {
        return payloads.get(0).data().clone();
    }

    @Override
    public void writeSlot(byte[] template, MemorySegment slot) {
        if (template.length != 4) {
            throw Modality.invalid("int32 template must be 4 bytes");
        }
        MemorySegment.copy(template, 0, slot, ValueLayout.JAVA_BYTE, 0, 4);
    }

    @Override
    public int[] prepareProbe(List<Payload> payloads, Map<String, String> options) {
        return new int[] {ByteBuffer.wrap(payloads.get(0).data()).order(ByteOrder.LITTLE_ENDIAN).getInt()};
    }

    @Override
    public ScanKernel<int[]> kernel() {
        return (probe, slots, off) -> -Math.abs(probe[0] - slots.get(INT, off));
    }

    @Override
    public int scanBlockSlots() {
        return 16_384;
    }

    @Override
    public ScoreMeaning scoreMeaning() {
        return new ScoreMeaning("negated absolute difference (benchmark fixture)", 0f, "exact value");
    }

    static Payload payload(int v) {
        return new Payload("int32", ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }
}
