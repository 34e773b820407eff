package io.biomatch.face.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
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

    /** Slots per pass of {@link #f32x16Dim512}. */
    public static final int WIDE_GROUP = 16;
    /** The dimension and slot stride {@link #f32x16Dim512} is compiled for (the default 512-d model's slots). */
    public static final int WIDE_DIM = 512, WIDE_STRIDE = 2048;

    /*
     * f32x16Dim512's lane sums (16 float lanes): M_h = lanes with bit h set, X_h = lane i takes lane i ^ h.
     * halve(x, y) puts x's and y's partial sums side by side, each summed pairwise at distance h as sum() does.
     */
    private static final VectorMask<Float> M8 = laneBit(8), M4 = laneBit(4), M2 = laneBit(2), M1 = laneBit(1);
    private static final VectorShuffle<Float> X8 = xorLane(8), X4 = xorLane(4), X2 = xorLane(2), X1 = xorLane(1);
    private static final VectorShuffle<Float> BIT_REVERSE = FL == 16
            ? VectorShuffle.fromOp(F, i -> Integer.reverse(i) >>> 28) : VectorShuffle.iota(F, 0, 1, true);

    private static VectorMask<Float> laneBit(int h) {
        boolean[] m = new boolean[FL];
        for (int i = 0; i < FL; i++) {
            m[i] = (i & h) != 0;
        }
        return VectorMask.fromArray(F, m, 0);
    }

    private static VectorShuffle<Float> xorLane(int h) {
        return VectorShuffle.fromOp(F, i -> (i ^ h) & (FL - 1));
    }

    /**
     * Lanes with bit h clear: x[i] + x[i + h]; lanes with bit h set: y[i - h] + y[i]. In each 2h-lane block,
     * x's partial sum (its lower h lanes) then y's.
     */
    private static FloatVector halve(FloatVector x, FloatVector y, VectorMask<Float> m, VectorShuffle<Float> swap) {
        return x.blend(y, m).add(y.blend(x, m).rearrange(swap));
    }

    /** Floats of {@link #f32x16Dim512}'s {@code out} (16 vectors' lanes). */
    public static int wideScratch() {
        return WIDE_GROUP * FL;
    }

    /** True when {@link #f32x16Dim512} fits the registers: 16 accumulators and the probe need AVX-512's 32. */
    public static boolean wideGroupFits() {
        return F.vectorBitSize() >= 512;
    }

    /**
     * float32 dots of a 512-d probe with 16 consecutive 2048-byte slots from {@code base}: scores into
     * {@code out[0..15]}; {@code out} also holds the lanes on the way, at least {@link #wideScratch} floats.
     *
     * <p>Why 16: the float32 scan is bound by the cache-line misses in flight, and 16 streams keep more lines in
     * flight than {@link #f32x4}'s four (FaceScanBenchmark: the scan went from 58-63 % to 70-75 % of the read
     * bandwidth yardstick; matcher-face/README.md). Why the dimension and stride are constants: in a scratch JMH
     * run the same loop with both as parameters did 11.3 M faces/s against 14.5 M/s with them fixed, and fixing
     * either one alone was enough (C2 then keeps the 16 streams' addresses as constant displacements). Each slot
     * has its own accumulator and the same operations in the same order as {@link #f32}, so each score is bit for
     * bit the one-slot score.
     */
    public static void f32x16Dim512(float[] q, MemorySegment s, long base, float[] out) {
        if (FL != 16) {
            // the lane sums below are written for 16 lanes; with fewer they would be wrong, not slow (a constant:
            // folded away where it holds)
            throw new IllegalStateException("f32x16Dim512 needs 512-bit float vectors (see wideGroupFits)");
        }
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F),
                a3 = FloatVector.zero(F), a4 = FloatVector.zero(F), a5 = FloatVector.zero(F),
                a6 = FloatVector.zero(F), a7 = FloatVector.zero(F), a8 = FloatVector.zero(F),
                a9 = FloatVector.zero(F), a10 = FloatVector.zero(F), a11 = FloatVector.zero(F),
                a12 = FloatVector.zero(F), a13 = FloatVector.zero(F), a14 = FloatVector.zero(F),
                a15 = FloatVector.zero(F);
        for (int i = 0; i < WIDE_DIM; i += FL) {
            FloatVector p = FloatVector.fromArray(F, q, i);
            long o = base + 4L * i;
            a0 = p.fma(FloatVector.fromMemorySegment(F, s, o, LE), a0);
            a1 = p.fma(FloatVector.fromMemorySegment(F, s, o + 2048, LE), a1);
            a2 = p.fma(FloatVector.fromMemorySegment(F, s, o + 4096, LE), a2);
            a3 = p.fma(FloatVector.fromMemorySegment(F, s, o + 6144, LE), a3);
            a4 = p.fma(FloatVector.fromMemorySegment(F, s, o + 8192, LE), a4);
            a5 = p.fma(FloatVector.fromMemorySegment(F, s, o + 10240, LE), a5);
            a6 = p.fma(FloatVector.fromMemorySegment(F, s, o + 12288, LE), a6);
            a7 = p.fma(FloatVector.fromMemorySegment(F, s, o + 14336, LE), a7);
            a8 = p.fma(FloatVector.fromMemorySegment(F, s, o + 16384, LE), a8);
            a9 = p.fma(FloatVector.fromMemorySegment(F, s, o + 18432, LE), a9);
            a10 = p.fma(FloatVector.fromMemorySegment(F, s, o + 20480, LE), a10);
            a11 = p.fma(FloatVector.fromMemorySegment(F, s, o + 22528, LE), a11);
            a12 = p.fma(FloatVector.fromMemorySegment(F, s, o + 24576, LE), a12);
            a13 = p.fma(FloatVector.fromMemorySegment(F, s, o + 26624, LE), a13);
            a14 = p.fma(FloatVector.fromMemorySegment(F, s, o + 28672, LE), a14);
            a15 = p.fma(FloatVector.fromMemorySegment(F, s, o + 30720, LE), a15);
        }
        a0.intoArray(out, 0 * FL);
        a1.intoArray(out, 1 * FL);
        a2.intoArray(out, 2 * FL);
        a3.intoArray(out, 3 * FL);
        a4.intoArray(out, 4 * FL);
        a5.intoArray(out, 5 * FL);
        a6.intoArray(out, 6 * FL);
        a7.intoArray(out, 7 * FL);
        a8.intoArray(out, 8 * FL);
        a9.intoArray(out, 9 * FL);
        a10.intoArray(out, 10 * FL);
        a11.intoArray(out, 11 * FL);
        a12.intoArray(out, 12 * FL);
        a13.intoArray(out, 13 * FL);
        a14.intoArray(out, 14 * FL);
        a15.intoArray(out, 15 * FL);
        sumLanes16(out);
    }

    /**
     * The 16 lane sums of {@link #f32x16Dim512}, each with {@link #sum}'s pairings (so bit for bit {@code sum}):
     * lanes of vector k in {@code lanes[16k..16k+15]} in, sums in {@code lanes[0..15]} out. Halves 16 vectors into
     * 8, then 4, 2 and 1, two slots' partial sums sharing a vector at each step. Split into methods that pass only
     * arrays on purpose: inlined after the 16 segment loads (or even all in one method) the vector code ran past
     * C2's inlining node budget, and vectors passed to the calls left outlined were boxed (3.3 M faces/s instead
     * of 13+ M).
     */
    private static void sumLanes16(float[] lanes) {
        halveSixteenToEight(lanes);
        halveEightToOne(lanes);
    }

    /** Step 1 of {@link #sumLanes16}: vectors 0..15 of {@code lanes} into 8 vectors at 0..7 (own method, see there). */
    private static void halveSixteenToEight(float[] lanes) {
        for (int k = 0; k < 8; k++) {
            halve(lane(lanes, 2 * k), lane(lanes, 2 * k + 1), M8, X8).intoArray(lanes, k * FL);
        }
    }

    /** Steps 2-4 of {@link #sumLanes16}: vectors 0..7 into the 16 sums, in slot order, at {@code lanes[0..15]}. */
    private static void halveEightToOne(float[] lanes) {
        FloatVector c0 = halve(lane(lanes, 0), lane(lanes, 1), M4, X4);
        FloatVector c1 = halve(lane(lanes, 2), lane(lanes, 3), M4, X4);
        FloatVector c2 = halve(lane(lanes, 4), lane(lanes, 5), M4, X4);
        FloatVector c3 = halve(lane(lanes, 6), lane(lanes, 7), M4, X4);
        FloatVector d0 = halve(c0, c1, M2, X2), d1 = halve(c2, c3, M2, X2);
        // lane i now holds slot bitReverse4(i)
        halve(d0, d1, M1, X1).rearrange(BIT_REVERSE).intoArray(lanes, 0);
    }

    private static FloatVector lane(float[] lanes, int k) {
        return FloatVector.fromArray(F, lanes, k * FL);
    }

    private static final VectorSpecies<Long> L8 = LongVector.SPECIES_512;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;

    /** True when {@link #hammingBlock512} runs on real 512-bit vectors with a vector popcount (AVX-512). */
    public static boolean hammingFits() {
        return LongVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
    }

    /**
     * The Hamming pass over 64 consecutive 64-byte sign codes from ordinal {@code first}: each face's distance to
     * the 512-bit probe code ({@code probe[0..7]}) into {@code distances} (u16 at {@code 2 * ordinal}) and counted in
     * {@code histogram}. One load, XOR and vector popcount per face and one lane sum, instead of eight scalar
     * popcounts and seven adds (a bare loop over L3-resident codes: 1.29 G faces/s against 0.65 G/s). Integer
     * counts: the same distances as the scalar pass.
     */
    public static void hammingBlock512(MemorySegment codes, MemorySegment distances, long[] probe, int first,
                                       int[] histogram) {
        LongVector p = LongVector.fromArray(L8, probe, 0);
        for (int o = first, end = first + 64; o < end; o++) {
            int d = (int) LongVector.fromMemorySegment(L8, codes, (long) o << 6, ByteOrder.nativeOrder())
                    .lanewise(VectorOperators.XOR, p).lanewise(VectorOperators.BIT_COUNT)
                    .reduceLanes(VectorOperators.ADD);
            distances.set(U16, 2L * o, (short) d);
            histogram[d]++;
        }
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
