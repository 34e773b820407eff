package io.biomatch.fingerprint.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * First-stage score of a probe against one record slot: local-structure matching with a rotation vote.
 *
 * <p>For each stored code j (central minutiae of the stored finger) the most similar probe minutia i is
 * found ({@link LocalStructures} similarity); similarities above {@link #TAU} vote, with weight
 * {@code sim - TAU}, for the rotation {@code direction(j) - direction(i)} in a 16-bin histogram. The score
 * is the heaviest 45-degree window (two adjacent bins; genuine pairs agree on one rotation, chance
 * matches scatter) times {@code 30 / sqrt((codes + 1) * (probeMinutiae + 1))}, since large templates collect
 * more chance votes. Record score = max over compatible finger pairs. The scale is arbitrary (it only
 * ranks the short list). Measured on the FVC sets: see the module README / report.
 *
 * <p>No allocation: the histogram lives in a caller-provided scratch array.
 */
public final class FirstStage {
    public static final float TAU = 0.45f;
    static final int ROT_BINS = 16;
    /** Scratch floats a caller must provide. */
    public static final int SCRATCH = ROT_BINS;

    /** 1/k for k = 0..256 (0 for k = 0). */
    private static final float[] RECIP = new float[257];

    static {
        for (int k = 1; k < RECIP.length; k++) {
            RECIP[k] = 1f / k;
        }
    }

    private FirstStage() {
    }

    public static float score(ProbeFinger[] probe, MemorySegment slots, long slotOffset, float[] scratch) {
        int fingers = FingerSlotLayout.fingerCount(slots, slotOffset);
        float best = 0;
        for (int f = 0; f < fingers; f++) {
            long fo = FingerSlotLayout.fingerOffset(slotOffset, f);
            int pos = FingerSlotLayout.position(slots, fo);
            for (ProbeFinger pf : probe) {
                if (ProbeFinger.compatible(pf.position, pos)) {
                    float s = scoreFinger(pf, slots, fo, scratch);
                    if (s > best) {
                        best = s;
                    }
                }
            }
        }
        return best;
    }

    static float scoreFinger(ProbeFinger p, MemorySegment s, long fo, float[] hist) {
        int codes = FingerSlotLayout.codeCount(s, fo);
        java.util.Arrays.fill(hist, 0, ROT_BINS, 0f);
        final long[] ph0 = p.hard0, ph1 = p.hard1, ps0 = p.soft0, ps1 = p.soft1;
        final int[] phc = p.hardCount, pa = p.angle256;
        final int n = p.count;
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
            }
        }
        float max = 0;
        for (int b = 0; b < ROT_BINS; b++) {
            float w = hist[b] + hist[(b + 1) & (ROT_BINS - 1)];
            if (w > max) {
                max = w;
            }
        }
        // normalise by the geometric mean of the two sizes: big templates collect more chance votes
        return max * 30f / (float) Math.sqrt((codes + 1) * (n + 1));
    }
}
