package io.biomatch.face;

import io.biomatch.core.spi.Bits;
import io.biomatch.core.spi.ScanKernel;
import io.biomatch.core.spi.TopK;
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

    /**
     * Scores the live slots four at a time ({@link PanamaDot#f32x4}, {@link PanamaDot#i8x4}: one probe load
     * per four slot loads), the last 0-3 one by one. Each slot gets the same score as {@link #score}
     * (the same operations in the same order). Scratch: three 4-element arrays per call (per scan block),
     * nothing per slot.
     */
    @Override
    public void scan(FaceProbe probe, MemorySegment slots, int slotBytes, long[] live, int fromOrdinal,
                     int toOrdinal, TopK top) {
        if (!simd) {
            ScanKernel.super.scan(probe, slots, slotBytes, live, fromOrdinal, toOrdinal, top);
            return;
        }
        boolean fp32 = probe.mode != FaceProbe.Mode.EXACT;
        int[] ord = new int[4];
        float[] f = new float[4];
        int[] d = new int[4];
        int n = 0;
        int o = fromOrdinal;
        while (o < toOrdinal) {
            // fast path: 64 live slots in a row (the usual case) go four by four without bit tests
            if ((o & 63) == 0 && n == 0 && o + 64 <= toOrdinal && live[o >>> 6] == -1L) {
                for (int end = o + 64; o < end; o += 4) {
                    score4(probe, fp32, slots, slotBytes, o, o + 1, o + 2, o + 3, f, d, top);
                }
                continue;
            }
            if (Bits.get(live, o)) {
                ord[n++] = o;
                if (n == 4) {
                    n = 0;
                    score4(probe, fp32, slots, slotBytes, ord[0], ord[1], ord[2], ord[3], f, d, top);
                }
            }
            o++;
        }
        for (int j = 0; j < n; j++) {
            top.offer(score(probe, slots, (long) ord[j] * slotBytes), ord[j]);
        }
    }

    private void score4(FaceProbe probe, boolean fp32, MemorySegment slots, int slotBytes, int r0, int r1, int r2,
                        int r3, float[] f, int[] d, TopK top) {
        long s0 = (long) r0 * slotBytes;
        long s1 = (long) r1 * slotBytes;
        long s2 = (long) r2 * slotBytes;
        long s3 = (long) r3 * slotBytes;
        if (fp32) {
            PanamaDot.f32x4(probe.unit, slots, s0, s1, s2, s3, dim, f);
        } else {
            PanamaDot.i8x4(probe.q, slots, s0 + int8Offset, s1 + int8Offset, s2 + int8Offset, s3 + int8Offset, dim, d);
            float qs = probe.qScale;
            f[0] = d[0] * qs * slots.get(F32, s0 + scaleOffset);
            f[1] = d[1] * qs * slots.get(F32, s1 + scaleOffset);
            f[2] = d[2] * qs * slots.get(F32, s2 + scaleOffset);
            f[3] = d[3] * qs * slots.get(F32, s3 + scaleOffset);
        }
        top.offer(f[0], r0);
        top.offer(f[1], r1);
        top.offer(f[2], r2);
        top.offer(f[3], r3);
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
