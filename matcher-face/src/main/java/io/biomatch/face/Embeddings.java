package io.biomatch.face;

import io.biomatch.core.spi.Modality;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Embedding helpers: the {@code embedding-f32} wire format and validation/normalisation. */
public final class Embeddings {
    private Embeddings() {
    }

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code embedding-f32} bytes: the values as little-endian float32. */
    public static byte[] toBytes(float[] v) {
        byte[] b = new byte[4 * v.length];
        MemorySegment.copy(v, 0, MemorySegment.ofArray(b), F32, 0, v.length);
        return b;
    }

    /** Parses {@code embedding-f32} bytes of the given dim and returns the unit vector. */
    public static float[] parse(byte[] data, int dim) {
        if (data == null || data.length != 4 * dim) {
            throw Modality.invalid("embedding-f32 must be " + dim + " little-endian float32 values (" + 4 * dim
                    + " bytes), was " + (data == null ? 0 : data.length) + " bytes");
        }
        float[] v = MemorySegment.ofArray(data).toArray(F32);
        return normalise(v, "embedding");
    }

    /** Checks finite and non-zero, returns a new L2-normalised copy. */
    public static float[] normalise(float[] v, String what) {
        double n2 = 0;
        for (float x : v) {
            if (!Float.isFinite(x)) {
                throw Modality.invalid(what + " contains NaN or infinite values");
            }
            n2 += (double) x * x;
        }
        double n = Math.sqrt(n2);
        if (!(n > 1e-12) || !Double.isFinite(n)) {
            throw Modality.invalid(what + " has zero (or overflowing) norm");
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / n);
        }
        return out;
    }

    /** Plain float cosine of two unit vectors (reference, not for the hot path). */
    public static float dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return (float) s;
    }
}
