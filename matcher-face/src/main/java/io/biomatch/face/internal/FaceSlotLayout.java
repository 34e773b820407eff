package io.biomatch.face.internal;

import java.lang.foreign.MemorySegment;

/**
 * One face in a shard segment (fixed stride, slots 64-byte aligned by the core): only the float32 unit vector.
 * <pre>
 *  0                                     4*dim           stride
 *  | float32[dim] unit vector (little-endian) | zero padding |
 * </pre>
 * stride = 4*dim rounded up to 64 (512-d: 2048 bytes, 128-d: 512 bytes), so the segment is one packed float32
 * plane: the {@code mode=fp32} scan reads every byte it fetches, and the hardware prefetcher brings in nothing
 * the scan skips.
 *
 * <p>The int8 copy that {@code mode=exact} and the HNSW graph read lives in a separate plane kept by the shard's
 * index ({@link Int8Plane}): a scan over it reads {@code dim} bytes per face instead of walking 2048-byte slots.
 * {@link #quantise} is the one int8 quantisation shared by that plane and the probe.
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

    /** Bytes of the float32 vector ({@code 4*dim}). */
    public long vectorBytes() {
        return 4L * dim;
    }

    public int slotBytes() {
        return (4 * dim + 63) & ~63;
    }

    /**
     * Symmetric per-vector int8 quantisation; returns the scale ({@code v[i] ~= q[i] * scale},
     * {@code scale = max|v| / 127}, {@code |q| <= 127}). For unit face vectors {@code dot(qa, qb) * scaleA * scaleB}
     * is within 0.01 of the cosine.
     */
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

    /** Writes a unit vector into a zero-filled slot. */
    public void write(float[] unit, MemorySegment slot) {
        MemorySegment.copy(unit, 0, slot, FaceTemplateFormat.F32, F32_OFFSET, dim);
    }

    /** Reads the slot's vector into {@code out} ({@code dim} floats). */
    public void read(MemorySegment slots, long slotOffset, float[] out) {
        MemorySegment.copy(slots, FaceTemplateFormat.F32, slotOffset + F32_OFFSET, out, 0, dim);
    }
}
