package io.biomatch.fingerprint.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * First-stage score of a probe against one record: local-structure matching, a rotation vote, then a
 * geometric consolidation of the voting pairs.
 *
 * <ol>
 *   <li>Local pairs. For each stored code j (central minutiae of the stored finger) the most similar probe
 *   minutia i is found ({@link LocalStructures} similarity); pairs above {@link #TAU} vote, with weight
 *   {@code sim - TAU}, for the rotation {@code direction(j) - direction(i)} in a 16-bin histogram.</li>
 *   <li>Rotation window. The heaviest 67.5-degree window (three adjacent bins) keeps its pairs (at 20,000
 *   background a third bin put 2 more of 176 strong mates in the top 1,000 than two bins); its weight times
 *   the size normalisation {@code 30 / sqrt((codes + 1) * (probeMinutiae + 1))} is an upper bound of the
 *   final score (the scan skips step 3 when that bound cannot enter the top-K: exact pruning).</li>
 *   <li>Consolidation. A pair a is consistent with a pair b when their rotations differ by less than
 *   {@link #PAIR_ROT_TOL} steps of 1.4 degrees and the probe vector i_a -> i_b, rotated by a's rotation,
 *   lands within {@code sqrt(144 + 0.04 L^2)} px (L = stored distance j_a -> j_b: 12 px near, about 20 %
 *   of the distance far, for skin distortion) of the stored vector j_a -> j_b. The score is the heaviest
 *   star: {@code max_a (w_a + sum of w_b over pairs b consistent with a)}, normalised as above. Chance
 *   local matches rarely agree on the relative geometry; genuine ones do.</li>
 * </ol>
 * Record score = max over compatible finger pairs. The scale is arbitrary (it only ranks the short list).
 *
 * <p>No allocation: a caller-provided {@link Scratch} per thread.
 */
public final class FirstStage {
    public static final float TAU = 0.45f;
    static final int ROT_BINS = 16;
    static final int PAIR_ROT_TOL = 22;
    /** Rotation window in 22.5-degree bins (3 = 67.5 degrees, about an anchor's +-31-degree range). */
    static final int WINDOW = 3;

    /*
     * Vectorised local-pair search: one stored code against LANES probe codes at a time (AND + popcount on
     * longs, division on floats: AVX-512 VPOPCNTQ where present). Same arithmetic as the scalar loop
     * (float num / float (hcP + hcG), strict > with the lowest probe index winning ties), so both give
     * identical pairs; FirstStageScanTest checks it.
     */
    static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
    public static final int LANES = LONGS.length();
    static final VectorSpecies<Float> FLOATS = VectorSpecies.of(float.class, VectorShape.forBitSize(LANES * 32));
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, VectorShape.forBitSize(LANES * 32));
    /** Use the vectorised search (system property {@code biomatch.fingerprint.vector}, default true). */
    static final boolean VECTOR = Boolean.parseBoolean(System.getProperty("biomatch.fingerprint.vector", "true"));

    /** Per-thread work arrays. */
    public static final class Scratch {
        final float[] hist = new float[ROT_BINS];
        final float[] w = new float[FingerSlotLayout.MAX_CODES];
        final int[] rot = new int[FingerSlotLayout.MAX_CODES];
        final int[] probeIdx = new int[FingerSlotLayout.MAX_CODES];
        final int[] code = new int[FingerSlotLayout.MAX_CODES];
        final float[] gx = new float[FingerSlotLayout.MAX_CODES];
        final float[] gy = new float[FingerSlotLayout.MAX_CODES];
        final float[] px = new float[FingerSlotLayout.MAX_CODES];
        final float[] py = new float[FingerSlotLayout.MAX_CODES];
        final float[] cw = new float[FingerSlotLayout.MAX_CODES];
        final float[] sw = new float[FingerSlotLayout.MAX_CODES];
    }

    static final float[] COS = new float[256];
    static final float[] SIN = new float[256];

    static {
        for (int a = 0; a < 256; a++) {
            COS[a] = (float) Math.cos(a * 2 * Math.PI / 256);
            SIN[a] = (float) Math.sin(a * 2 * Math.PI / 256);
        }
    }

    private FirstStage() {
    }

    public static float score(ProbeFinger[] probe, MemorySegment slots, long slotOffset, Scratch scratch) {
        return score(probe, slots, slotOffset, scratch, Float.NEGATIVE_INFINITY);
    }

    /**
     * The score, or some value below {@code prune} when the score is certainly below it (then the
     * consolidation is skipped).
     */
    public static float score(ProbeFinger[] probe, MemorySegment slots, long slotOffset, Scratch scratch,
                              float prune) {
        int fingers = FingerSlotLayout.fingerCount(slots, slotOffset);
        float best = Float.NEGATIVE_INFINITY;
        for (int f = 0; f < fingers; f++) {
            long fo = FingerSlotLayout.fingerOffset(slotOffset, f);
            int pos = FingerSlotLayout.position(slots, fo);
            for (ProbeFinger pf : probe) {
                if (ProbeFinger.compatible(pf.position, pos)) {
                    float s = scoreFinger(pf, slots, fo, scratch, Math.max(prune, best));
                    if (s > best) {
                        best = s;
                    }
                }
            }
        }
        return best == Float.NEGATIVE_INFINITY ? 0 : best;
    }

    static float scoreFinger(ProbeFinger p, MemorySegment s, long fo, Scratch sc, float prune) {
        int codes = FingerSlotLayout.codeCount(s, fo);
        float[] hist = sc.hist;
        java.util.Arrays.fill(hist, 0f);
        final int[] pa = p.angle256;
        final int n = p.count;
        final float[] vw = sc.w;
        final int[] vrot = sc.rot, vi = sc.probeIdx, vj = sc.code;
        int votes = 0;
        long co = fo + FingerSlotLayout.CODES_OFFSET;
        long mo = fo + FingerSlotLayout.META_OFFSET;
        for (int j = 0; j < codes; j++, co += FingerSlotLayout.CODE_BYTES, mo += FingerSlotLayout.META_BYTES) {
            long gh0 = s.get(FingerSlotLayout.LONG, co);
            long gh1 = s.get(FingerSlotLayout.LONG, co + 8);
            long gs0 = s.get(FingerSlotLayout.LONG, co + 16);
            long gs1 = s.get(FingerSlotLayout.LONG, co + 24);
            int ghc = s.get(ValueLayout.JAVA_BYTE, mo) & 0xFF;
            long best = VECTOR ? bestVector(p, n, gh0, gh1, gs0, gs1, ghc) : bestScalar(p, n, gh0, gh1, gs0, gs1, ghc);
            int bestI = (int) best;
            float bestSim = Float.intBitsToFloat((int) (best >>> 32));
            if (bestI >= 0) {
                int ga = s.get(ValueLayout.JAVA_BYTE, mo + 1) & 0xFF;
                int rot = (ga - pa[bestI]) & 0xFF;
                hist[rot >>> 4] += bestSim - TAU;
                vw[votes] = bestSim - TAU;
                vrot[votes] = rot;
                vi[votes] = bestI;
                vj[votes] = j;
                votes++;
            }
        }
        float max = 0;
        int maxBin = 0;
        for (int b = 0; b < ROT_BINS; b++) {
            float w = 0;
            for (int q = 0; q < WINDOW; q++) {
                w += hist[(b + q) & (ROT_BINS - 1)];
            }
            if (w > max) {
                max = w;
                maxBin = b;
            }
        }
        // normalise by the geometric mean of the two sizes: big templates collect more chance votes
        float norm = 30f / (float) Math.sqrt((codes + 1) * (n + 1));
        float bound = max * norm;
        if (bound < prune || max == 0) {
            return bound;
        }
        // keep the window's pairs, with positions (a star's pairs lie within +-PAIR_ROT_TOL of its anchor)
        final float[] gx = sc.gx, gy = sc.gy, px = sc.px, py = sc.py, cw = sc.cw, sw = sc.sw;
        int k = 0;
        for (int v = 0; v < votes; v++) {
            int bin = vrot[v] >>> 4;
            if (((bin - maxBin) & (ROT_BINS - 1)) >= WINDOW) {
                continue;
            }
            int minutia = s.get(ValueLayout.JAVA_BYTE,
                    fo + FingerSlotLayout.META_OFFSET + (long) vj[v] * FingerSlotLayout.META_BYTES + 2) & 0xFF;
            long mpos = fo + FingerSlotLayout.MINUTIAE_OFFSET + (long) minutia * FingerSlotLayout.MINUTIA_BYTES;
            gx[k] = s.get(FingerSlotLayout.SHORT, mpos) & 0x7FFF;
            gy[k] = s.get(FingerSlotLayout.SHORT, mpos + 2);
            px[k] = p.x[vi[v]];
            py[k] = p.y[vi[v]];
            cw[k] = COS[vrot[v]];
            sw[k] = SIN[vrot[v]];
            vw[k] = vw[v];
            vrot[k] = vrot[v];
            k++;
        }
        float star = 0;
        for (int a = 0; a < k; a++) {
            float support = vw[a];
            float ca = cw[a], sa = sw[a];
            for (int b = 0; b < k; b++) {
                if (b == a) {
                    continue;
                }
                int dr = (vrot[b] - vrot[a]) & 0xFF;
                if (dr > PAIR_ROT_TOL && dr < 256 - PAIR_ROT_TOL) {
                    continue;
                }
                float dgx = gx[b] - gx[a], dgy = gy[b] - gy[a];
                float dpx = px[b] - px[a], dpy = py[b] - py[a];
                float ex = ca * dpx - sa * dpy - dgx;
                float ey = sa * dpx + ca * dpy - dgy;
                if (ex * ex + ey * ey < 144f + 0.04f * (dgx * dgx + dgy * dgy)) {
                    support += vw[b];
                }
            }
            if (support > star) {
                star = support;
            }
        }
        return star * norm;
    }

    /**
     * The probe code most similar to stored code (gh, gs, ghc) if its similarity exceeds {@link #TAU}:
     * {@code (sim bits << 32) | index}, index -1 when none. Scalar reference.
     */
    static long bestScalar(ProbeFinger p, int n, long gh0, long gh1, long gs0, long gs1, int ghc) {
        final long[] ph0 = p.hard0, ph1 = p.hard1, ps0 = p.soft0, ps1 = p.soft1;
        final int[] phc = p.hardCount;
        float bestSim = TAU;
        int bestI = -1;
        for (int i = 0; i < n; i++) {
            int num = Long.bitCount(ph0[i] & gs0) + Long.bitCount(ph1[i] & gs1)
                    + Long.bitCount(ps0[i] & gh0) + Long.bitCount(ps1[i] & gh1);
            float sim = num / (float) (phc[i] + ghc);
            if (sim > bestSim) {
                bestSim = sim;
                bestI = i;
            }
        }
        return ((long) Float.floatToRawIntBits(bestSim) << 32) | (bestI & 0xFFFFFFFFL);
    }

    private static final int[] IOTA = new int[64];

    static {
        for (int i = 0; i < IOTA.length; i++) {
            IOTA[i] = i;
        }
    }

    /** {@link #bestScalar} over LANES probe codes at a time (identical result). */
    static long bestVector(ProbeFinger p, int n, long gh0, long gh1, long gs0, long gs1, int ghc) {
        final long[] ph0 = p.padHard0, ph1 = p.padHard1, ps0 = p.padSoft0, ps1 = p.padSoft1;
        final float[] phc = p.padHardCount;
        FloatVector best = FloatVector.broadcast(FLOATS, TAU);
        IntVector bestIdx = IntVector.broadcast(INTS, -1);
        IntVector idx = IntVector.fromArray(INTS, IOTA, 0);
        IntVector step = IntVector.broadcast(INTS, LANES);
        float g = ghc;
        for (int i = 0; i < n; i += LANES) {
            LongVector num = LongVector.fromArray(LONGS, ph0, i).and(gs0).lanewise(VectorOperators.BIT_COUNT)
                    .add(LongVector.fromArray(LONGS, ph1, i).and(gs1).lanewise(VectorOperators.BIT_COUNT))
                    .add(LongVector.fromArray(LONGS, ps0, i).and(gh0).lanewise(VectorOperators.BIT_COUNT))
                    .add(LongVector.fromArray(LONGS, ps1, i).and(gh1).lanewise(VectorOperators.BIT_COUNT));
            FloatVector sim = ((FloatVector) num.convertShape(VectorOperators.L2F, FLOATS, 0))
                    .div(FloatVector.fromArray(FLOATS, phc, i).add(g));
            VectorMask<Float> gt = sim.compare(VectorOperators.GT, best);
            best = best.blend(sim, gt);
            bestIdx = bestIdx.blend(idx, gt.cast(INTS));
            idx = idx.add(step);
        }
        float max = best.reduceLanes(VectorOperators.MAX);
        if (!(max > TAU)) {
            return ((long) Float.floatToRawIntBits(TAU) << 32) | 0xFFFFFFFFL;
        }
        VectorMask<Integer> atMax = best.compare(VectorOperators.EQ, max).cast(INTS);
        int i = bestIdx.blend(IntVector.broadcast(INTS, Integer.MAX_VALUE), atMax.not())
                .reduceLanes(VectorOperators.MIN);
        return ((long) Float.floatToRawIntBits(max) << 32) | i;
    }
}
