package io.biomatch.face.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Vector API kernels against the plain loops, over odd dims and unaligned offsets. */
class DotKernelTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void panamaEqualsScalarOverOddDimsAndOffsets() {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        int[] dims = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 100, 127, 128, 129, 255, 257, 511, 512, 513, 1000};
        try (Arena arena = Arena.ofConfined()) {
            for (int dim : dims) {
                for (int rep = 0; rep < 20; rep++) {
                    long off = rnd.nextInt(5); // unaligned on purpose
                    MemorySegment s = arena.allocate(off + 4L * dim + 16);
                    float[] q = new float[dim];
                    byte[] qb = new byte[dim];
                    for (int i = 0; i < dim; i++) {
                        q[i] = (float) rnd.nextGaussian();
                        qb[i] = (byte) (rnd.nextInt(255) - 127);
                        s.set(F32, off + 4L * i, (float) rnd.nextGaussian());
                    }
                    float ref = ScalarDot.f32(q, s, off, dim);
                    double exact = 0, mag = 0;
                    for (int i = 0; i < dim; i++) {
                        double p = (double) q[i] * s.get(F32, off + 4L * i);
                        exact += p;
                        mag += Math.abs(p);
                    }
                    String ctx = "seed=" + seed + " dim=" + dim + " off=" + off;
                    // Summation order differs: both must be within float rounding of the exact sum.
                    assertEquals(exact, PanamaDot.f32(q, s, off, dim), 1e-5 * mag + 1e-6, ctx);
                    assertEquals(exact, ref, 1e-5 * mag + 1e-6, ctx);
                    // int8 is exact: integer sums do not depend on order.
                    for (int i = 0; i < dim; i++) {
                        s.set(ValueLayout.JAVA_BYTE, off + i, (byte) (rnd.nextInt(255) - 127));
                    }
                    assertEquals(ScalarDot.i8(qb, s, off, dim), PanamaDot.i8(qb, s, off, dim), ctx);
                }
            }
        }
    }

    @Test
    void int8ExtremesDoNotOverflow() {
        int dim = 4096;
        byte[] q = new byte[dim];
        java.util.Arrays.fill(q, (byte) -127);
        MemorySegment s = MemorySegment.ofArray(q.clone());
        assertEquals(127 * 127 * dim, PanamaDot.i8(q, s, 0, dim));
        assertEquals(127 * 127 * dim, ScalarDot.i8(q, s, 0, dim));
    }

    @Test
    void quantisedDotApproximatesCosine() {
        Random rnd = new Random(42);
        for (int rep = 0; rep < 200; rep++) {
            int dim = 512;
            float[] a = unit(rnd, dim), b = unit(rnd, dim);
            // correlate half of them so the cosines spread over [-1, 1]
            if (rep % 2 == 0) {
                for (int i = 0; i < dim; i++) {
                    b[i] = a[i] * 0.8f + b[i] * 0.2f;
                }
                b = unit(b);
            }
            byte[] qa = new byte[dim], qb = new byte[dim];
            float sa = FaceSlotLayout.quantise(a, qa), sb = FaceSlotLayout.quantise(b, qb);
            float approx = ScalarDot.i8(qa, MemorySegment.ofArray(qb), 0, dim) * sa * sb;
            double exact = 0;
            for (int i = 0; i < dim; i++) {
                exact += a[i] * b[i];
            }
            assertEquals(exact, approx, 0.01);
        }
    }

    static float[] unit(Random rnd, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return unit(v);
    }

    static float[] unit(float[] v) {
        double n = 0;
        for (float x : v) {
            n += x * x;
        }
        n = Math.sqrt(n);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / n);
        }
        return out;
    }
}
