package io.biomatch.face.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Reference dot products: plain loops, the fallback when the Vector API module is absent. */
public final class ScalarDot {
    private ScalarDot() {
    }

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public static float f32(float[] q, MemorySegment s, long off, int dim) {
        float acc = 0;
        for (int i = 0; i < dim; i++) {
            acc += q[i] * s.get(F32, off + 4L * i);
        }
        return acc;
    }

    public static int i8(byte[] q, MemorySegment s, long off, int dim) {
        int acc = 0;
        for (int i = 0; i < dim; i++) {
            acc += q[i] * s.get(ValueLayout.JAVA_BYTE, off + i);
        }
        return acc;
    }

    public static int i8(short[] q, MemorySegment s, long off, int dim) {
        int acc = 0;
        for (int i = 0; i < dim; i++) {
            acc += q[i] * s.get(ValueLayout.JAVA_BYTE, off + i);
        }
        return acc;
    }
}
