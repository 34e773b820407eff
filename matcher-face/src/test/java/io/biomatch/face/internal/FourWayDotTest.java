package io.biomatch.face.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The four- and sixteen-slot kernels give each slot exactly the one-slot kernel's score (the scan relies on it). */
class FourWayDotTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Hot enough for C2 to compile both (its lane reduction order is where a difference would come from). */
    @Test
    void fourWayEqualsOneByOneWhenCompiled() {
        int dim = 512;
        Random rnd = new Random(3);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4L * 4 * dim, 64);
            for (long o = 0; o + 4 <= s.byteSize(); o += 4) {
                s.set(F32, o, (float) rnd.nextGaussian());
            }
            float[] q = new float[dim];
            float[] f = new float[4];
            for (int rep = 0; rep < 30_000; rep++) {
                q[rep % dim] = (float) rnd.nextGaussian();
                PanamaDot.f32x4(q, s, 0, 4L * dim, 8L * dim, 12L * dim, dim, f);
                for (int j = 0; j < 4; j++) {
                    if (Float.floatToIntBits(f[j]) != Float.floatToIntBits(PanamaDot.f32(q, s, 4L * dim * j, dim))) {
                        assertEquals(PanamaDot.f32(q, s, 4L * dim * j, dim), f[j], 0f, "rep " + rep + " slot " + j);
                    }
                }
            }
        }
    }

    @Test
    void fourWayEqualsOneByOne() {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        int[] dims = {1, 3, 15, 16, 17, 33, 64, 100, 128, 129, 511, 512, 513};
        try (Arena arena = Arena.ofConfined()) {
            for (int dim : dims) {
                int stride = 4 * dim + 7; // unaligned on purpose
                MemorySegment s = arena.allocate(8L * stride + 16);
                for (long o = 0; o + 4 <= s.byteSize(); o += 4) {
                    s.set(F32, o, (float) rnd.nextGaussian());
                }
                float[] q = new float[dim];
                byte[] qb = new byte[dim];
                for (int i = 0; i < dim; i++) {
                    q[i] = (float) rnd.nextGaussian();
                    qb[i] = (byte) (rnd.nextInt(255) - 127);
                }
                long[] o = {3L * stride + 1, 0, 7L * stride + 3, 2L * stride};
                float[] f = new float[4];
                int[] d = new int[4];
                PanamaDot.f32x4(q, s, o[0], o[1], o[2], o[3], dim, f);
                PanamaDot.i8x4(qb, s, o[0], o[1], o[2], o[3], dim, d);
                for (int j = 0; j < 4; j++) {
                    String ctx = "seed=" + seed + " dim=" + dim + " slot=" + j;
                    assertEquals(Float.floatToIntBits(PanamaDot.f32(q, s, o[j], dim)), Float.floatToIntBits(f[j]), ctx);
                    assertEquals(ScalarDot.i8(qb, s, o[j], dim), d[j], ctx);
                }
            }
        }
    }

    /** {@link PanamaDot#f32x16Dim512} over 16 consecutive slots, interpreted and then hot enough for C2. */
    @Test
    void sixteenWayEqualsOneByOne() {
        // the kernel is for 16 float lanes; without AVX-512 the scan never calls it (FaceScanKernel), it refuses
        assumeTrue(PanamaDot.wideGroupFits(), "no 512-bit vectors here: the 16-way kernel is not used");
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        int dim = PanamaDot.WIDE_DIM;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(17L * PanamaDot.WIDE_STRIDE, 64);
            for (long o = 0; o + 4 <= s.byteSize(); o += 4) {
                s.set(F32, o, (float) rnd.nextGaussian());
            }
            float[] q = new float[dim];
            float[] f = new float[PanamaDot.wideScratch()];
            for (int rep = 0; rep < 20_000; rep++) {
                q[rep % dim] = (float) rnd.nextGaussian();
                long base = 4 * (rep % 5); // also off the slot boundary
                PanamaDot.f32x16Dim512(q, s, base, f);
                for (int j = 0; j < 16; j++) {
                    float one = PanamaDot.f32(q, s, base + (long) j * PanamaDot.WIDE_STRIDE, dim);
                    if (Float.floatToIntBits(one) != Float.floatToIntBits(f[j])) {
                        assertEquals(one, f[j], 0f, "seed=" + seed + " rep=" + rep + " slot=" + j);
                    }
                }
            }
        }
    }
}
