package io.biomatch.face.internal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API dot products over a {@link MemorySegment} (the probe is a heap array): one vector, or four vectors
 * per pass (the scan kernels); a scalar tail handles dims that are not a multiple of the vector length.
 *
 * <p>int8: bytes are widened to shorts, multiplied (|127*127| fits a short), widened to ints and added: on
 * AVX2 that is 8 lanes per step (64-bit bytes -> 128-bit shorts -> 256-bit ints), on AVX-512 16 lanes.
 */
public final class PanamaDot {
    private PanamaDot() {
    }

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int FL = F.length();

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.vectorBitSize() >= 512
            ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(I.vectorBitSize() / 2));
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(I.vectorBitSize() / 4));
    private static final int BL = B.length();

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /*
     * HALF_k: lane i takes lane i + FL / 2^k, wrapping (pairwise halving for {@link #sum}). Separate static final
     * fields, not an array: C2 treats them as constants and keeps the shuffles in registers across the scan loop
     * (an array element is re-loaded per use; measured: the bare four-slot loop 13.7 -> 15.0 M slots/s).
     */
    private static final VectorShuffle<Float> HALF_1 = halving(1);
    private static final VectorShuffle<Float> HALF_2 = halving(2);
    private static final VectorShuffle<Float> HALF_3 = halving(3);
    private static final VectorShuffle<Float> HALF_4 = halving(4);
    private static final VectorShuffle<Float> HALF_5 = halving(5);
    private static final VectorShuffle<Float> HALF_6 = halving(6);

    private static VectorShuffle<Float> halving(int k) {
        return VectorShuffle.iota(F, Math.max(1, FL >> k), 1, true);
    }

    static {
        if (FL > 64) {
            throw new ExceptionInInitializerError("PanamaDot: more than 64 float lanes");
        }
    }

    /**
     * The lanes' sum by pairwise halving: lanewise adds in a fixed order, so the interpreter, C1 and C2 give the
     * same float bit for bit ({@code reduceLanes(ADD)} leaves the order open, and C2's order differs from the
     * Java fallback's). The scan and the one-slot score must agree exactly. {@code FL} is a constant, so the
     * branches fold away.
     */
    private static float sum(FloatVector v) {
        if (FL >= 2) {
            v = v.add(v.rearrange(HALF_1));
        }
        if (FL >= 4) {
            v = v.add(v.rearrange(HALF_2));
        }
        if (FL >= 8) {
            v = v.add(v.rearrange(HALF_3));
        }
        if (FL >= 16) {
            v = v.add(v.rearrange(HALF_4));
        }
        if (FL >= 32) {
            v = v.add(v.rearrange(HALF_5));
        }
        if (FL >= 64) {
            v = v.add(v.rearrange(HALF_6));
        }
        return v.lane(0);
    }

    /** Lanes per float vector (for reports). */
    public static int floatLanes() {
        return FL;
    }

    /**
     * float32 dot of the probe with one vector: one accumulator, lanes summed at the end, then a scalar tail;
     * the same order of operations as each slot of {@link #f32x4}, so a slot scores the same either way.
     */
    public static float f32(float[] q, MemorySegment s, long off, int dim) {
        FloatVector a = FloatVector.zero(F);
        int i = 0;
        for (int upper = dim - FL; i <= upper; i += FL) {
            a = FloatVector.fromArray(F, q, i).fma(FloatVector.fromMemorySegment(F, s, off + 4L * i, LE), a);
        }
        float acc = sum(a);
        for (; i < dim; i++) {
            acc += q[i] * s.get(FaceTemplateFormat.F32, off + 4L * i);
        }
        return acc;
    }

    /**
     * float32 dots of the probe with four vectors at once (scores into {@code out[0..3]}). Why four: the scan
     * is bound by how many cache lines are in flight, and that is bounded by the instructions per line in the
     * out-of-order window; one probe load feeding four FMAs (each with its own independent accumulator, so
     * no extra accumulators are needed to hide the FMA latency) halves the instructions per line against the
     * one-vector loop. Measured on the 2-core EPYC from DRAM: ~1.3x the slots per second of the one-vector loop
     * with four accumulators.
     */
    public static void f32x4(float[] q, MemorySegment s, long o0, long o1, long o2, long o3, int dim, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F),
                a3 = FloatVector.zero(F);
        int i = 0;
        for (int upper = dim - FL; i <= upper; i += FL) {
            FloatVector p = FloatVector.fromArray(F, q, i);
            long b = 4L * i;
            a0 = p.fma(FloatVector.fromMemorySegment(F, s, o0 + b, LE), a0);
            a1 = p.fma(FloatVector.fromMemorySegment(F, s, o1 + b, LE), a1);
            a2 = p.fma(FloatVector.fromMemorySegment(F, s, o2 + b, LE), a2);
            a3 = p.fma(FloatVector.fromMemorySegment(F, s, o3 + b, LE), a3);
        }
        float r0 = sum(a0);
        float r1 = sum(a1);
        float r2 = sum(a2);
        float r3 = sum(a3);
        for (; i < dim; i++) {
            float x = q[i];
            long b = 4L * i;
            r0 += x * s.get(FaceTemplateFormat.F32, o0 + b);
            r1 += x * s.get(FaceTemplateFormat.F32, o1 + b);
            r2 += x * s.get(FaceTemplateFormat.F32, o2 + b);
            r3 += x * s.get(FaceTemplateFormat.F32, o3 + b);
        }
        out[0] = r0;
        out[1] = r1;
        out[2] = r2;
        out[3] = r3;
    }

    public static int i8(byte[] q, MemorySegment s, long off, int dim) {
        IntVector a0 = IntVector.zero(I), a1 = IntVector.zero(I), a2 = IntVector.zero(I), a3 = IntVector.zero(I);
        int i = 0;
        for (int upper = dim - 4 * BL; i <= upper; i += 4 * BL) {
            a0 = a0.add(prod(q, i, s, off));
            a1 = a1.add(prod(q, i + BL, s, off));
            a2 = a2.add(prod(q, i + 2 * BL, s, off));
            a3 = a3.add(prod(q, i + 3 * BL, s, off));
        }
        for (int upper = dim - BL; i <= upper; i += BL) {
            a0 = a0.add(prod(q, i, s, off));
        }
        int acc = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < dim; i++) {
            acc += q[i] * s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, off + i);
        }
        return acc;
    }

    /**
     * int8 dots of the probe with four vectors at once (into {@code out[0..3]}); the probe's bytes are widened
     * once per step for all four. Integer sums: equal to {@link #i8} of each.
     */
    public static void i8x4(byte[] q, MemorySegment s, long o0, long o1, long o2, long o3, int dim, int[] out) {
        IntVector a0 = IntVector.zero(I), a1 = IntVector.zero(I), a2 = IntVector.zero(I), a3 = IntVector.zero(I);
        int i = 0;
        for (int upper = dim - BL; i <= upper; i += BL) {
            Vector<Short> p = ByteVector.fromArray(B, q, i).convertShape(VectorOperators.B2S, S, 0);
            a0 = a0.add(widen(p, s, o0 + i));
            a1 = a1.add(widen(p, s, o1 + i));
            a2 = a2.add(widen(p, s, o2 + i));
            a3 = a3.add(widen(p, s, o3 + i));
        }
        int r0 = a0.reduceLanes(VectorOperators.ADD);
        int r1 = a1.reduceLanes(VectorOperators.ADD);
        int r2 = a2.reduceLanes(VectorOperators.ADD);
        int r3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < dim; i++) {
            int x = q[i];
            r0 += x * s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o0 + i);
            r1 += x * s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o1 + i);
            r2 += x * s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o2 + i);
            r3 += x * s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o3 + i);
        }
        out[0] = r0;
        out[1] = r1;
        out[2] = r2;
        out[3] = r3;
    }

    /**
     * int8 dot with a probe already widened to shorts ({@link #widen}): the graph walk scores one probe against
     * thousands of random vectors, so the probe's conversion is done once instead of per vector.
     */
    public static int i8(short[] q, MemorySegment s, long off, int dim) {
        IntVector a0 = IntVector.zero(I), a1 = IntVector.zero(I);
        int i = 0;
        for (int upper = dim - 2 * BL; i <= upper; i += 2 * BL) {
            a0 = a0.add(widen(ShortVector.fromArray(S, q, i), s, off + i));
            a1 = a1.add(widen(ShortVector.fromArray(S, q, i + BL), s, off + i + BL));
        }
        for (int upper = dim - BL; i <= upper; i += BL) {
            a0 = a0.add(widen(ShortVector.fromArray(S, q, i), s, off + i));
        }
        int acc = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; i < dim; i++) {
            acc += q[i] * s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, off + i);
        }
        return acc;
    }

    private static IntVector widen(Vector<Short> p, MemorySegment s, long off) {
        Vector<Short> b = ByteVector.fromMemorySegment(B, s, off, LE).convertShape(VectorOperators.B2S, S, 0);
        return (IntVector) p.mul(b).convertShape(VectorOperators.S2I, I, 0);
    }

    private static IntVector prod(byte[] q, int i, MemorySegment s, long off) {
        Vector<Short> a = ByteVector.fromArray(B, q, i).convertShape(VectorOperators.B2S, S, 0);
        Vector<Short> b = ByteVector.fromMemorySegment(B, s, off + i, LE).convertShape(VectorOperators.B2S, S, 0);
        return (IntVector) a.mul(b).convertShape(VectorOperators.S2I, I, 0);
    }
}
