package io.biomatch.face.internal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API dot products over a {@link MemorySegment} (the probe is a heap array). Four accumulators hide
 * the FMA latency; a scalar tail handles dims that are not a multiple of the vector length.
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

    /** Lanes per float vector (for reports). */
    public static int floatLanes() {
        return FL;
    }

    public static float f32(float[] q, MemorySegment s, long off, int dim) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F),
                a3 = FloatVector.zero(F);
        int i = 0;
        for (int upper = dim - 4 * FL; i <= upper; i += 4 * FL) {
            a0 = FloatVector.fromArray(F, q, i).fma(FloatVector.fromMemorySegment(F, s, off + 4L * i, LE), a0);
            a1 = FloatVector.fromArray(F, q, i + FL)
                    .fma(FloatVector.fromMemorySegment(F, s, off + 4L * (i + FL), LE), a1);
            a2 = FloatVector.fromArray(F, q, i + 2 * FL)
                    .fma(FloatVector.fromMemorySegment(F, s, off + 4L * (i + 2 * FL), LE), a2);
            a3 = FloatVector.fromArray(F, q, i + 3 * FL)
                    .fma(FloatVector.fromMemorySegment(F, s, off + 4L * (i + 3 * FL), LE), a3);
        }
        for (int upper = dim - FL; i <= upper; i += FL) {
            a0 = FloatVector.fromArray(F, q, i).fma(FloatVector.fromMemorySegment(F, s, off + 4L * i, LE), a0);
        }
        float acc = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < dim; i++) {
            acc += q[i] * s.get(FaceTemplateFormat.F32, off + 4L * i);
        }
        return acc;
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

    private static IntVector prod(byte[] q, int i, MemorySegment s, long off) {
        Vector<Short> a = ByteVector.fromArray(B, q, i).convertShape(VectorOperators.B2S, S, 0);
        Vector<Short> b = ByteVector.fromMemorySegment(B, s, off + i, LE).convertShape(VectorOperators.B2S, S, 0);
        return (IntVector) a.mul(b).convertShape(VectorOperators.S2I, I, 0);
    }
}
