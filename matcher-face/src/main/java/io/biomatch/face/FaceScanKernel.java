package io.biomatch.face;

import io.biomatch.core.spi.ScanKernel;
import io.biomatch.face.internal.FaceSlotLayout;
import io.biomatch.face.internal.PanamaDot;
import io.biomatch.face.internal.ScalarDot;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Scores a {@link FaceProbe} against one slot ({@link FaceSlotLayout}): int8 dot times both scales
 * ({@link FaceProbe.Mode#EXACT}'s first pass) or the float32 dot ({@link FaceProbe.Mode#FP32}). No allocation.
 */
final class FaceScanKernel implements ScanKernel<FaceProbe> {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final boolean simd;
    private final int dim;
    private final long int8Offset;
    private final long scaleOffset;

    FaceScanKernel(FaceSlotLayout layout, boolean simd) {
        this.simd = simd;
        this.dim = layout.dim();
        this.int8Offset = layout.int8Offset();
        this.scaleOffset = layout.scaleOffset();
    }

    boolean simd() {
        return simd;
    }

    @Override
    public float score(FaceProbe probe, MemorySegment slots, long slotOffset) {
        if (probe.mode != FaceProbe.Mode.EXACT) { // FP32, and HNSW where it falls back to the scan
            return simd ? PanamaDot.f32(probe.unit, slots, slotOffset, dim)
                    : ScalarDot.f32(probe.unit, slots, slotOffset, dim);
        }
        int dot = simd ? PanamaDot.i8(probe.q, slots, slotOffset + int8Offset, dim)
                : ScalarDot.i8(probe.q, slots, slotOffset + int8Offset, dim);
        return dot * probe.qScale * slots.get(F32, slotOffset + scaleOffset);
    }

    /** True when the Vector API module is in the boot layer (run with {@code --add-modules jdk.incubator.vector}). */
    static boolean vectorApiAvailable() {
        if (Boolean.getBoolean("biomatch.face.scalar")) {
            return false;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            return PanamaDot.floatLanes() >= 4;
        } catch (Throwable e) { // LinkageError when the module cannot be linked
            return false;
        }
    }
}
