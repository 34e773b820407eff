package io.biomatch.fingerprint.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * First-stage score of a probe against one record: local-structure matching, a rotation vote, then a
 * geometric consolidation of the voting pairs.
 *
 * <ol>
 *   <li>Local pairs. For each stored code j (central minutiae of the stored finger) the most similar probe
 *   minutia i is found ({@link LocalStructures} similarity); pairs above {@link #TAU} vote, with weight
 *   {@code sim - TAU}, for the rotation {@code direction(j) - direction(i)} in a 16-bin histogram.</li>
 *   <li>Rotation window. The heaviest 45-degree window (two adjacent bins) keeps its pairs; its weight times
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

    /** 1/k for k = 0..256 (0 for k = 0). */
    private static final float[] RECIP = new float[257];
    static final float[] COS = new float[256];
    static final float[] SIN = new float[256];

    static {
        for (int k = 1; k < RECIP.length; k++) {
            RECIP[k] = 1f / k;
        }
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
        final long[] ph0 = p.hard0, ph1 = p.hard1, ps0 = p.soft0, ps1 = p.soft1;
        final int[] phc = p.hardCount, pa = p.angle256;
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
            float bestSim = TAU;
            int bestI = -1;
            for (int i = 0; i < n; i++) {
                int num = Long.bitCount(ph0[i] & gs0) + Long.bitCount(ph1[i] & gs1)
                        + Long.bitCount(ps0[i] & gh0) + Long.bitCount(ps1[i] & gh1);
                float sim = num * RECIP[phc[i] + ghc];
                if (sim > bestSim) {
                    bestSim = sim;
                    bestI = i;
                }
            }
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
            float w = hist[b] + hist[(b + 1) & (ROT_BINS - 1)];
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
        // keep the window's pairs, with positions
        final float[] gx = sc.gx, gy = sc.gy, px = sc.px, py = sc.py, cw = sc.cw, sw = sc.sw;
        int k = 0;
        for (int v = 0; v < votes; v++) {
            int bin = vrot[v] >>> 4;
            if (bin != maxBin && bin != ((maxBin + 1) & (ROT_BINS - 1))) {
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
}
