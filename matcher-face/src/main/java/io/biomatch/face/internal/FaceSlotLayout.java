package io.biomatch.face.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One face in a shard segment (fixed stride, slots 64-byte aligned by the core):
 * <pre>
 *  0                          4*dim                  5*dim          5*dim+4         stride
 *  | float32[dim] unit vector | int8[dim] quantised  | float32 scale | zero padding  |
 *  |  (little-endian)         |  q[i] = round(v[i]/scale), |q| <= 127; scale = max|v| / 127 |
 * </pre>
 * stride = 5*dim + 4 rounded up to 64 (512-d: 2624 bytes; 128-d: 704 bytes).
 *
 * <p>Exact search reads the int8 block first ({@code dot(qp, qs) * scaleP * scaleS} approximates the cosine;
 * the error is below 0.01 for unit vectors of face models) and re-ranks a short list with the float32 block
 * (here: from the stored template). {@code mode=fp32} scores the float32 block directly.
 */
public final class FaceSlotLayout {
    public static final int F32_OFFSET = 0;
    public static final int Q_MAX = 127;

    private final int dim;

    public FaceSlotLayout(int dim) {
        this.dim = dim;
    }

    public int dim() {
        return dim;
    }

    public long int8Offset() {
        return 4L * dim;
    }

    public long scaleOffset() {
        return 5L * dim;
    }

    public int slotBytes() {
        return (5 * dim + 4 + 63) & ~63;
    }

    /** Symmetric per-vector int8 quantisation; returns the scale ({@code v[i] ~= q[i] * scale}). */
    public static float quantise(float[] v, byte[] q) {
        float max = 0;
        for (float x : v) {
            max = Math.max(max, Math.abs(x));
        }
        if (max == 0) {
            java.util.Arrays.fill(q, (byte) 0);
            return 0;
        }
        float scale = max / Q_MAX;
        float inv = Q_MAX / max;
        for (int i = 0; i < v.length; i++) {
            int r = Math.round(v[i] * inv);
            q[i] = (byte) Math.max(-Q_MAX, Math.min(Q_MAX, r));
        }
        return scale;
    }

    /** Writes a unit vector and its quantised copy into a zero-filled slot. */
    public void write(float[] unit, MemorySegment slot) {
        byte[] q = new byte[dim];
        float scale = quantise(unit, q);
        MemorySegment.copy(unit, 0, slot, FaceTemplateFormat.F32, F32_OFFSET, dim);
        MemorySegment.copy(q, 0, slot, ValueLayout.JAVA_BYTE, int8Offset(), dim);
        slot.set(FaceTemplateFormat.F32, scaleOffset(), scale);
    }
}
