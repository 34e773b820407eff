package io.biomatch.fingerprint.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Pairing stage: between the first stage and SourceAFIS, a sharper score for the first stage's best
 * candidates, read from the same off-heap slot (the stored minutiae and codes), with no allocation.
 *
 * <ol>
 *   <li>Alignment hypotheses: the {@link #HYPOTHESES} stored codes whose best probe code is most similar
 *   (the first stage's local-pair search, {@link FirstStage#pairs}, pairs above its TAU only); each pair (probe
 *   minutia i, stored minutia j) gives a rigid transform: the rotation direction(j) - direction(i) in 256
 *   steps and the translation that puts i on j.</li>
 *   <li>Pairing: each probe minutia, transformed, is paired greedily (probe order) with the nearest unpaired
 *   stored minutia within {@link #DISTANCE_PX} px whose direction differs by at most {@link #ANGLE_STEPS}
 *   steps (30 degrees). Stored minutiae are registered once per finger in a grid of 24-px cells (each in the
 *   cells its tolerance square touches), so a probe minutia looks in its own cell only. Every hypothesis is
 *   tried on every third probe minutia; the {@link #FULL} that pair the most are tried on all of them.</li>
 *   <li>Score: {@code m^2 / sqrt(p_in * g_in)} for the best of those, m paired minutiae, p_in the probe minutiae
 *   that land inside the stored minutiae's area, g_in the stored minutiae inside the transformed probe's (both
 *   bounding boxes grown by the tolerance): the share of the overlap that pairs, times m, so a small overlap
 *   is not penalised for minutiae it cannot contain. Record score = max over compatible finger pairs; the scale
 *   only ranks candidates for SourceAFIS.</li>
 * </ol>
 *
 * <p>Why: the first stage ranks a genuine mate within the top 0.5 % of a large background, but not near the top.
 * Among the first stage's 1,000 best of 20,030 (the 210 FVC probes of fvc2002-db1b, fvc2002-db3b, fvc2000-db1b in
 * the seeded background; 170 of them have their mate there with a SourceAFIS score of at least 40), the first
 * stage put 15 of those mates below first place and 10 below fifth; this stage 3 and none (fifth round,
 * {@code PrefilterDev -Dpairing -Dmtop=1000}; the module README has the steps that led here). Cost: 8 to 10 us per
 * candidate, paid only for the first stage's best.
 */
public final class PairingStage {
    /**
     * Alignment hypotheses per finger pair (scalar prototype, first stage's best 100 of 20,030: 12 lost none of 167
     * strong mates at top 5, 8 lost 2).
     */
    public static final int HYPOTHESES = 12;
    /** Every hypothesis is first tried on every SAMPLE_STRIDE-th probe minutia ... */
    static final int SAMPLE_STRIDE = 3;
    /** ... and the FULL that pair the most are tried on all of them. */
    static final int FULL = 3;
    public static final float DISTANCE_PX = 12f;
    /** 30 degrees in 256 steps per turn. */
    public static final int ANGLE_STEPS = 21;
    /**
     * Grid cells of twice the tolerance, so a stored minutia registers in at most 2 x 2 cells (coarser only for a
     * print too large for {@link #MAX_CELLS}).
     */
    static final float CELL_PX = 2 * DISTANCE_PX;
    static final int MAX_CELLS = 4096;
    /** Stored minutiae a grid cell keeps (each registers in the up to 2 x 2 cells its tolerance square touches). */
    static final int CELL_ENTRIES = 4;

    /** Per-thread work arrays (no allocation per candidate). */
    public static final class Scratch {
        final FirstStage.Scratch pairs = new FirstStage.Scratch();
        /** Stored minutiae; index {@link Minutiae#MAX} is a dummy far away that pads every grid cell. */
        final float[] gx = new float[Minutiae.MAX + 1], gy = new float[Minutiae.MAX + 1];
        final int[] ga = new int[Minutiae.MAX + 1];
        final byte[] cells = new byte[MAX_CELLS * CELL_ENTRIES];
        /** Cells with more minutiae than entries: a probe minutia there looks at every stored minutia. */
        final boolean[] overflow = new boolean[MAX_CELLS];
        int storedCount;
        final int[] usedStamp = new int[Minutiae.MAX + 1];
        final int[] hypothesis = new int[HYPOTHESES];
        final int[] anchorProbe = new int[HYPOTHESES], anchorStored = new int[HYPOTHESES], sampled = new int[HYPOTHESES];
        int useGeneration;
        /** Probe minutiae that the last {@link #pair} call found inside the grid. */
        int inside;
        float probeMinX, probeMaxX, probeMinY, probeMaxY;
        /** The grid: origin (px), 1 / cell size (24 px, doubled until a huge print fits), columns and rows. */
        float originX, originY;
        float cellScale;
        int columns, rows;

        public Scratch() {
            gx[Minutiae.MAX] = -1e9f;
            gy[Minutiae.MAX] = -1e9f;
        }
    }

    private PairingStage() {
    }

    /** Record score: max over compatible finger pairs (0 when none is compatible). */
    public static float score(ProbeFinger[] probe, MemorySegment slots, long slotOffset, Scratch scratch) {
        int fingers = FingerSlotLayout.fingerCount(slots, slotOffset);
        float best = 0;
        for (int f = 0; f < fingers; f++) {
            long fo = FingerSlotLayout.fingerOffset(slotOffset, f);
            int pos = FingerSlotLayout.position(slots, fo);
            boolean loaded = false;
            for (ProbeFinger pf : probe) {
                if (ProbeFinger.compatible(pf.position, pos)) {
                    if (!loaded) {
                        load(slots, fo, scratch);
                        loaded = true;
                    }
                    best = Math.max(best, scoreFinger(pf, slots, fo, scratch));
                }
            }
        }
        return best;
    }

    /**
     * Reads the stored finger's minutiae and registers each in every grid cell that its tolerance square
     * ({@link #DISTANCE_PX} each way) touches, so a probe minutia looks in its own cell only; a cell keeps up to
     * {@link #CELL_ENTRIES} minutiae; a probe minutia in a cell that overflowed looks at every stored minutia.
     */
    static void load(MemorySegment s, long fo, Scratch sc) {
        int n = s.get(ValueLayout.JAVA_BYTE, fo + FingerSlotLayout.MINUTIA_COUNT_OFFSET) & 0xFF;
        float minX = Float.POSITIVE_INFINITY, maxX = Float.NEGATIVE_INFINITY;
        float minY = Float.POSITIVE_INFINITY, maxY = Float.NEGATIVE_INFINITY;
        for (int l = 0; l < n; l++) {
            long o = fo + FingerSlotLayout.MINUTIAE_OFFSET + (long) l * FingerSlotLayout.MINUTIA_BYTES;
            float x = s.get(FingerSlotLayout.SHORT, o) & 0x7FFF;
            float y = s.get(FingerSlotLayout.SHORT, o + 2) & 0xFFFF;
            sc.gx[l] = x;
            sc.gy[l] = y;
            sc.ga[l] = LocalStructures.angle256(s.get(FingerSlotLayout.FLOAT, o + 4));
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
        }
        if (n == 0) {
            sc.columns = sc.rows = 0;
            return;
        }
        float ox = minX - DISTANCE_PX, oy = minY - DISTANCE_PX;
        float w = maxX - minX + 2 * DISTANCE_PX, h = maxY - minY + 2 * DISTANCE_PX;
        float cell = CELL_PX;
        while (((int) (w / cell) + 1) * ((int) (h / cell) + 1) > MAX_CELLS) {
            cell *= 2; // a huge print: coarser cells
        }
        float scale = 1 / cell;
        int cols = (int) (w * scale) + 1, rows = (int) (h * scale) + 1;
        sc.originX = ox;
        sc.originY = oy;
        sc.cellScale = scale;
        sc.columns = cols;
        sc.rows = rows;
        byte[] cells = sc.cells;
        java.util.Arrays.fill(cells, 0, cols * rows * CELL_ENTRIES, (byte) Minutiae.MAX);
        java.util.Arrays.fill(sc.overflow, 0, cols * rows, false);
        sc.storedCount = n;
        for (int l = 0; l < n; l++) {
            int c0 = (int) ((sc.gx[l] - DISTANCE_PX - ox) * scale), c1 = (int) ((sc.gx[l] + DISTANCE_PX - ox) * scale);
            int r0 = (int) ((sc.gy[l] - DISTANCE_PX - oy) * scale), r1 = (int) ((sc.gy[l] + DISTANCE_PX - oy) * scale);
            for (int c = c0; c <= c1; c++) {
                for (int r = r0; r <= r1; r++) {
                    int base = (c * rows + r) * CELL_ENTRIES;
                    int e = 0;
                    while (e < CELL_ENTRIES && cells[base + e] != (byte) Minutiae.MAX) {
                        e++;
                    }
                    if (e < CELL_ENTRIES) {
                        cells[base + e] = (byte) l;
                    } else {
                        sc.overflow[c * rows + r] = true;
                    }
                }
            }
        }
    }

    static float scoreFinger(ProbeFinger p, MemorySegment s, long fo, Scratch sc) {
        int codes = FingerSlotLayout.codeCount(s, fo);
        int ng = s.get(ValueLayout.JAVA_BYTE, fo + FingerSlotLayout.MINUTIA_COUNT_OFFSET) & 0xFF;
        int np = p.minutiaCount;
        if (codes == 0 || ng == 0 || np == 0) {
            return 0;
        }
        FirstStage.Scratch ps = sc.pairs;
        FirstStage.pairs(p, s, fo, codes, ps);
        // the HYPOTHESES most similar pairs (partial selection; ties: lower stored code first)
        int h = 0;
        int[] hyp = sc.hypothesis;
        for (int j = 0; j < codes; j++) {
            if (ps.bestIdx[j] < 0) {
                continue;
            }
            float sim = ps.bestSim[j];
            int at = h < HYPOTHESES ? h++ : HYPOTHESES;
            while (at > 0 && ps.bestSim[hyp[at - 1]] < sim) {
                if (at < HYPOTHESES) {
                    hyp[at] = hyp[at - 1];
                }
                at--;
            }
            if (at < HYPOTHESES) {
                hyp[at] = j;
            }
        }
        // every hypothesis on a sample of the probe minutiae, then the best FULL ones on all of them
        int[] anchorP = sc.anchorProbe, anchorG = sc.anchorStored, sampled = sc.sampled;
        for (int t = 0; t < h; t++) {
            int j = hyp[t];
            anchorG[t] = j; // code j's minutia is record j (FingerSlotLayout)
            anchorP[t] = p.codeMinutia[ps.bestIdx[j]];
            sampled[t] = h <= FULL ? 0 : pair(p, anchorP[t], anchorG[t], sc, SAMPLE_STRIDE);
        }
        float bestScore = 0;
        for (int f = 0; f < Math.min(FULL, h); f++) {
            int bt = 0;
            for (int t = 1; t < h; t++) {
                if (sampled[t] > sampled[bt]) {
                    bt = t;
                }
            }
            sampled[bt] = -1;
            int paired = pair(p, anchorP[bt], anchorG[bt], sc, 1);
            // normalised by the minutiae each side has inside the other's area: a small overlap is not penalised
            // for the minutiae it cannot contain
            float overlap = (float) Math.sqrt((double) Math.max(1, sc.inside) * Math.max(1, storedInside(sc)));
            bestScore = Math.max(bestScore, paired * (float) paired / overlap);
        }
        return bestScore;
    }

    /** Minutiae paired under the transform that puts probe minutia {@code pi} on stored minutia {@code gj}. */
    static int pair(ProbeFinger p, int pi, int gj, Scratch sc, int stride) {
        int use = ++sc.useGeneration;
        if (use == 0) {
            java.util.Arrays.fill(sc.usedStamp, 0);
            use = sc.useGeneration = 1;
        }
        int rot = (sc.ga[gj] - p.minutiaAngle[pi]) & 0xFF;
        float cos = FirstStage.COS[rot], sin = FirstStage.SIN[rot];
        float ox = p.minutiaX[pi], oy = p.minutiaY[pi];
        // probe (x, y) -> grid coordinates (px from the grid origin)
        float tx0 = sc.gx[gj] - sc.originX, ty0 = sc.gy[gj] - sc.originY;
        final float[] gx = sc.gx, gy = sc.gy, px = p.minutiaX, py = p.minutiaY;
        final int[] ga = sc.ga, pa = p.minutiaAngle, used = sc.usedStamp;
        final byte[] cells = sc.cells;
        final int cols = sc.columns, rows = sc.rows;
        final float scale = sc.cellScale;
        final float gox = sc.originX, goy = sc.originY;
        final float tol2 = DISTANCE_PX * DISTANCE_PX;
        final boolean[] overflow = sc.overflow;
        int paired = 0, inside = 0;
        float minX = Float.POSITIVE_INFINITY, maxX = Float.NEGATIVE_INFINITY;
        float minY = Float.POSITIVE_INFINITY, maxY = Float.NEGATIVE_INFINITY;
        for (int k = 0, n = p.minutiaCount; k < n; k += stride) {
            float dx = px[k] - ox, dy = py[k] - oy;
            float x = tx0 + cos * dx - sin * dy;
            float y = ty0 + sin * dx + cos * dy;
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
            int c = (int) (x * scale), r = (int) (y * scale);
            if (x < 0 || y < 0 || c >= cols || r >= rows) {
                continue; // outside every stored minutia's tolerance square
            }
            inside++;
            int a = (pa[k] + rot) & 0xFF;
            float wx = x + gox, wy = y + goy;
            int cell = c * rows + r;
            int base = cell * CELL_ENTRIES;
            int bestL;
            if (!overflow[cell]) {
                // the cell's CELL_ENTRIES entries (a constant trip count: unrolled, branch-free; padding: a dummy far away)
                long best = ((long) Float.floatToRawIntBits(tol2) << 32) | 0xFFFFFFFFL;
                for (int e = 0; e < CELL_ENTRIES; e++) {
                    best = candidate(cells[base + e], gx, gy, ga, used, wx, wy, a, use, best);
                }
                bestL = (int) best;
            } else {
                long best = ((long) Float.floatToRawIntBits(tol2) << 32) | 0xFFFFFFFFL;
                for (int l = 0, stored = sc.storedCount; l < stored; l++) {
                    best = candidate(l, gx, gy, ga, used, wx, wy, a, use, best);
                }
                bestL = (int) best;
            }
            if (bestL >= 0) {
                used[bestL] = use;
                paired++;
            }
        }
        sc.inside = inside;
        sc.probeMinX = minX + gox - DISTANCE_PX;
        sc.probeMaxX = maxX + gox + DISTANCE_PX;
        sc.probeMinY = minY + goy - DISTANCE_PX;
        sc.probeMaxY = maxY + goy + DISTANCE_PX;
        return paired;
    }

    /** Stored minutiae inside the last {@link #pair} call's transformed probe bounding box (grown by the tolerance). */
    static int storedInside(Scratch sc) {
        int in = 0;
        for (int l = 0; l < sc.storedCount; l++) {
            float x = sc.gx[l], y = sc.gy[l];
            in += x >= sc.probeMinX & x <= sc.probeMaxX & y >= sc.probeMinY & y <= sc.probeMaxY ? 1 : 0;
        }
        return in;
    }

    /**
     * {@code best} = (squared distance bits << 32) | stored index (-1: none yet); returns it with stored minutia
     * {@code l} if l is unused, within the distance and angle tolerances and nearer.
     */
    private static long candidate(int l, float[] gx, float[] gy, int[] ga, int[] used, float wx, float wy, int a, int use,
                                  long best) {
        float ex = gx[l] - wx, ey = gy[l] - wy;
        float d2 = ex * ex + ey * ey;
        int da = ((ga[l] - a + 128) & 0xFF) - 128;
        boolean ok = d2 <= Float.intBitsToFloat((int) (best >>> 32)) & da <= ANGLE_STEPS & da >= -ANGLE_STEPS
                & used[l] != use;
        return ok ? ((long) Float.floatToRawIntBits(d2) << 32) | l : best;
    }
}
