package io.biomatch.fingerprint.internal;

import io.biomatch.core.spi.CachePrefetch;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;
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
 *   minutia i is found ({@link LocalStructures} similarity, compared as exact fractions; the lowest probe
 *   index wins ties); pairs above {@link #TAU} vote, with the fixed-point weight
 *   {@code (int) ((sim - TAU) * 4096)} (integer sums: every loop order gives the same score), for the rotation {@code direction(j) - direction(i)} in a 16-bin histogram.</li>
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
    /** TAU as the exact fraction 9/20: pairs compare similarities as exact rationals. */
    static final int TAU_NUM = 9, TAU_DEN = 20;
    static final int ROT_BINS = 16;
    static final int PAIR_ROT_TOL = 22;
    /** Rotation window in 22.5-degree bins (3 = 67.5 degrees, about an anchor's +-31-degree range). */
    static final int WINDOW = 3;

    /*
     * Vectorised kernel (Vector API): the local-pair search takes LANES stored codes (contiguous in the
     * slot's struct-of-arrays layout) against one broadcast probe code at a time (AND + popcount on longs,
     * AVX-512 VPOPCNTQ where present; similarities as float quotients, which order exactly like the scalar
     * loop's cross-multiplied fractions), then votes, window and consolidation 16 codes or pairs per vector
     * (AVX-512). Same results as the scalar loops, so both give identical scores; FirstStageVectorTest
     * checks it.
     */
    static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
    public static final int LANES = LONGS.length();
    static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    static final VectorSpecies<Float> FLOATS = VectorSpecies.of(float.class, VectorShape.forBitSize(LANES * 32));
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, VectorShape.forBitSize(LANES * 32));
    /** Vote, keep and consolidation passes: the widest vectors the CPU has (16 lanes on AVX-512). */
    static final VectorSpecies<Integer> VOTE_INTS = IntVector.SPECIES_PREFERRED;
    static final VectorSpecies<Float> VOTE_FLOATS = FloatVector.SPECIES_PREFERRED;
    /**
     * Use the vectorised kernel: system property {@code biomatch.fingerprint.vector}; by default only where the
     * preferred vectors are 512-bit (AVX-512). With AVX2 alone (measured with {@code -XX:UseAVX=2}: no 64-bit
     * lane popcount or long-to-float conversion in hardware) the vector loops ran at 4.2-4.7 us per slot against
     * 2.8 us for the scalar ones, which use the POPCNT instruction.
     */
    static final boolean VECTOR = Boolean.parseBoolean(System.getProperty("biomatch.fingerprint.vector",
            Boolean.toString(LongVector.SPECIES_PREFERRED.vectorBitSize() >= 512)));

    /** Per-thread work arrays. */
    public static final class Scratch {
        final int[] rot = new int[FingerSlotLayout.MAX_CODES + 64];
        final float[] gx = new float[FingerSlotLayout.MAX_CODES + 64];
        final float[] gy = new float[FingerSlotLayout.MAX_CODES + 64];
        final float[] px = new float[FingerSlotLayout.MAX_CODES + 64];
        final float[] py = new float[FingerSlotLayout.MAX_CODES + 64];
        /** Cosine and sine of each kept pair's rotation (anchor-vector consolidation). */
        final float[] ca = new float[FingerSlotLayout.MAX_CODES + 64];
        final float[] sa = new float[FingerSlotLayout.MAX_CODES + 64];
        final int[] ihist = new int[ROT_BINS];
        final int[] ihist2 = new int[ROT_BINS];
        /** Per stored code: vote weight (0: no pair), rotation (lanes up to a whole vector). */
        final int[] voteWeight = new int[FingerSlotLayout.CODE_LANES_READABLE + 64];
        final int[] voteRot = new int[FingerSlotLayout.CODE_LANES_READABLE + 64];
        final int[] wq = new int[FingerSlotLayout.MAX_CODES + 64];
        /** Best probe code per stored code (similarity, index or -1), lanes up to a whole vector. */
        final float[] bestSim = new float[FingerSlotLayout.CODE_LANES_READABLE + 64];
        final int[] bestIdx = new int[FingerSlotLayout.CODE_LANES_READABLE + 64];
        /** Per kept pair (index as in gx..rot): probe index. */
        final int[] keptProbe = new int[FingerSlotLayout.MAX_CODES + 64];
        /** Hard-bit counts of one pass's stored codes (five vectors) as floats, vector kernel only. */
        final float[] storedHardCount = new float[5 * LANES];
        /** The best pair's probe direction (angle256), vector kernel only. */
        final int[] bestAngle = new int[FingerSlotLayout.CODE_LANES_READABLE + 64];
    }

    static final float[] COS = new float[256];
    static final float[] SIN = new float[256];

    static {
        for (int a = 0; a < 256; a++) {
            COS[a] = (float) Math.cos(a * 2 * Math.PI / 256);
            SIN[a] = (float) Math.sin(a * 2 * Math.PI / 256);
        }
    }

    /** Prefetch stub for {@link #prefetch}: the lines the first stage reads of a finger block. */
    private static final MethodHandle PREFETCH_BLOCK = CachePrefetch.lines(FingerSlotLayout.FIRST_STAGE_LINES);

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
            if (f + 1 < fingers) {
                prefetch(slots, FingerSlotLayout.fingerOffset(slotOffset, f + 1));
            }
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

    /**
     * Prefetches the lines the first stage reads of the finger block at {@code fingerOffset}, where the segment
     * holds a whole block there ({@link CachePrefetch}; a scan calls it a few slots ahead). Without it the scan
     * waited on memory at each block's first touches of its code, meta and minutia lines: dev harness (20,030
     * slots, 210 FVC probes, one thread, both variants in each JVM) 497-580 -> 385-406 ns per slot for the whole
     * score, 330-429 -> 281-290 for the bound alone, in four JVMs.
     */
    public static void prefetch(MemorySegment slots, long fingerOffset) {
        // a heap segment's address() is an offset, not an address: nothing to prefetch there
        if (slots.isNative() && fingerOffset + FingerSlotLayout.FINGER_BYTES <= slots.byteSize()) {
            try {
                PREFETCH_BLOCK.invokeExact(slots.address() + fingerOffset);
            } catch (Throwable t) {
                throw new AssertionError("prefetch stub threw", t); // a prefetch cannot fail
            }
        }
    }

    static float scoreFinger(ProbeFinger p, MemorySegment s, long fo, Scratch sc, float prune) {
        int codes = FingerSlotLayout.codeCount(s, fo);
        final int n = p.count;
        pairs(p, s, fo, codes, sc);
        if (VECTOR) {
            votesVector(s, fo, codes, sc);
        } else {
            votesScalar(p, s, fo, codes, sc);
        }
        final int[] hist = sc.ihist;
        int max = 0;
        int maxBin = 0;
        for (int b = 0; b < ROT_BINS; b++) {
            int w = 0;
            for (int q = 0; q < WINDOW; q++) {
                w += hist[(b + q) & (ROT_BINS - 1)];
            }
            if (w > max) {
                max = w;
                maxBin = b;
            }
        }
        // normalise by the geometric mean of the two sizes: big templates collect more chance votes
        float norm = 30f / WEIGHT_SCALE / (float) Math.sqrt((codes + 1) * (n + 1));
        float bound = max * norm;
        if (bound < prune || max == 0) {
            return bound;
        }
        // keep the window's pairs (a star's pairs lie within +-PAIR_ROT_TOL of its anchor) with their stored
        // positions, then the probe positions (a vector gather of these was slower in the dev harness)
        int k = VECTOR ? keepVector(s, fo, codes, maxBin, sc) : keepScalar(s, fo, codes, maxBin, sc);
        final float[] px = sc.px, py = sc.py, pxs = p.x, pys = p.y;
        final int[] keptProbe = sc.keptProbe;
        for (int q = 0; q < k; q++) {
            int i = keptProbe[q];
            px[q] = pxs[i];
            py[q] = pys[i];
        }
        int star = VECTOR ? starAnchors(sc, k) : starScalar(sc, k);
        return star * norm;
    }

    /**
     * The rotation votes of stored codes {@code 0..codes)} from {@link #pairs}' result: {@code sc.voteWeight[j]}
     * the pair's fixed-point weight (0 when code j has no pair, {@code sc.bestIdx[j] < 0}),
     * {@code sc.voteRot[j]} its rotation {@code direction(j) - direction(i)} in 256 steps (0 without a pair),
     * and the weights summed per 22.5-degree bin into
     * {@code sc.ihist}. Scalar reference.
     */
    static void votesScalar(ProbeFinger p, MemorySegment s, long fo, int codes, Scratch sc) {
        final int[] hist = sc.ihist, vw = sc.voteWeight, vrot = sc.voteRot;
        final int[] bi = sc.bestIdx, pa = p.angle256;
        final float[] bs = sc.bestSim;
        java.util.Arrays.fill(hist, 0);
        long mo = fo + FingerSlotLayout.META_OFFSET;
        for (int j = 0; j < codes; j++, mo += FingerSlotLayout.META_BYTES) {
            int i = bi[j];
            if (i >= 0) {
                int w = weight(bs[j]);
                int rot = ((s.get(ValueLayout.JAVA_BYTE, mo + 1) & 0xFF) - pa[i]) & 0xFF;
                hist[rot >>> 4] += w;
                vw[j] = w;
                vrot[j] = rot;
            } else {
                vw[j] = 0;
                vrot[j] = 0;
            }
        }
    }

    /**
     * {@link #votesScalar} with VOTE_INTS.length() codes per vector, without a branch per code (whether a code
     * has a pair is close to a coin toss for chance matches, so the scalar loop mispredicts); the probe
     * direction comes with the pair from {@link #pairsVector} ({@code sc.bestAngle}). The histogram is then
     * summed branch-free.
     */
    static void votesVector(MemorySegment s, long fo, int codes, Scratch sc) {
        final int[] hist = sc.ihist, vw = sc.voteWeight, vrot = sc.voteRot;
        final int[] bi = sc.bestIdx, ba = sc.bestAngle;
        final float[] bs = sc.bestSim;
        final int lanes = VOTE_INTS.length();
        final long segmentBytes = s.byteSize();
        long mo = fo + FingerSlotLayout.META_OFFSET;
        for (int g = 0; g < codes; g += lanes, mo += (long) lanes * FingerSlotLayout.META_BYTES) {
            VectorMask<Integer> inRange = VOTE_INTS.indexInRange(g, codes);
            VectorMask<Integer> voted = IntVector.fromArray(VOTE_INTS, bi, g).compare(VectorOperators.GE, 0).and(inRange);
            // same float arithmetic as weight(): (int) ((sim - TAU) * WEIGHT_SCALE), truncated
            IntVector w = (IntVector) FloatVector.fromArray(VOTE_FLOATS, bs, g).sub(TAU).mul(WEIGHT_SCALE)
                    .convert(VectorOperators.F2I, 0);
            // the meta words of the last codes may end past the finger block: the excess lanes read the next
            // block's bytes (ignored), or, at the very end of the segment, a masked load
            IntVector meta = mo + (long) lanes * FingerSlotLayout.META_BYTES <= segmentBytes
                    ? IntVector.fromMemorySegment(VOTE_INTS, s, mo, NATIVE)
                    : IntVector.fromMemorySegment(VOTE_INTS, s, mo, NATIVE, inRange);
            IntVector rot = meta.lanewise(VectorOperators.LSHR, 8).sub(IntVector.fromArray(VOTE_INTS, ba, g)).and(0xFF);
            IntVector.zero(VOTE_INTS).blend(w, voted).intoArray(vw, g);
            IntVector.zero(VOTE_INTS).blend(rot, voted).intoArray(vrot, g);
        }
        // two partial histograms halve the store-to-load chains when neighbouring votes share a bin
        final int[] h2 = sc.ihist2;
        java.util.Arrays.fill(hist, 0);
        java.util.Arrays.fill(h2, 0);
        int j = 0;
        for (; j + 1 < codes; j += 2) {
            hist[vrot[j] >>> 4] += vw[j];
            h2[vrot[j + 1] >>> 4] += vw[j + 1];
        }
        if (j < codes) {
            hist[vrot[j] >>> 4] += vw[j];
        }
        for (int b = 0; b < ROT_BINS; b++) {
            hist[b] += h2[b];
        }
    }

    /**
     * The pairs of codes {@code 0..codes)} whose rotation lies in the window of bins
     * {@code maxBin .. maxBin + WINDOW - 1}, in code order: weight and rotation into {@code sc.wq/rot}, the
     * stored minutia's position (record j for code j) into {@code sc.gx/gy}, the probe index into
     * {@code sc.keptProbe}; returns their count. Scalar reference.
     */
    static int keepScalar(MemorySegment s, long fo, int codes, int maxBin, Scratch sc) {
        int k = 0;
        for (int j = 0; j < codes; j++) {
            int i = sc.bestIdx[j];
            if (i < 0 || (((sc.voteRot[j] >>> 4) - maxBin) & (ROT_BINS - 1)) >= WINDOW) {
                continue;
            }
            long mpos = fo + FingerSlotLayout.MINUTIAE_OFFSET + (long) j * FingerSlotLayout.MINUTIA_BYTES;
            sc.wq[k] = sc.voteWeight[j];
            sc.rot[k] = sc.voteRot[j];
            sc.gx[k] = s.get(FingerSlotLayout.SHORT, mpos) & 0x7FFF;
            sc.gy[k] = s.get(FingerSlotLayout.SHORT, mpos + 2);
            sc.keptProbe[k] = i;
            k++;
        }
        return k;
    }

    /**
     * Lane i picks int 2i of two vectors: the {@code x | y << 16} word of each 8-byte minutia record of
     * {@code lanes} consecutive records.
     */
    static final IntVector RECORD_XY = IntVector.zero(VOTE_INTS).addIndex(2);

    /**
     * {@link #keepScalar} by lane compression (no branch per code: in or out of the window is unpredictable); the
     * positions of {@code lanes} codes' minutiae are two vector loads of their records (records up to 48 lie
     * within the block's minutia area).
     */
    static int keepVector(MemorySegment s, long fo, int codes, int maxBin, Scratch sc) {
        final int lanes = VOTE_INTS.length();
        int k = 0;
        for (int g = 0; g < codes; g += lanes) {
            long ro = fo + FingerSlotLayout.MINUTIAE_OFFSET + (long) g * FingerSlotLayout.MINUTIA_BYTES;
            IntVector xy = RECORD_XY.selectFrom(IntVector.fromMemorySegment(VOTE_INTS, s, ro, NATIVE),
                    IntVector.fromMemorySegment(VOTE_INTS, s, ro + 4L * lanes, NATIVE));
            IntVector idx = IntVector.fromArray(VOTE_INTS, sc.bestIdx, g);
            IntVector rot = IntVector.fromArray(VOTE_INTS, sc.voteRot, g);
            VectorMask<Integer> keep = VOTE_INTS.indexInRange(g, codes)
                    .and(idx.compare(VectorOperators.GE, 0))
                    .and(rot.lanewise(VectorOperators.LSHR, 4).sub(maxBin).and(ROT_BINS - 1)
                            .compare(VectorOperators.LT, WINDOW));
            IntVector.fromArray(VOTE_INTS, sc.voteWeight, g).compress(keep).intoArray(sc.wq, k);
            rot.compress(keep).intoArray(sc.rot, k);
            VectorMask<Float> keepF = keep.cast(VOTE_FLOATS);
            // same values as the scalar reads: x without the bifurcation bit, y as a signed short
            ((FloatVector) xy.and(0x7FFF).convert(VectorOperators.I2F, 0)).compress(keepF).intoArray(sc.gx, k);
            ((FloatVector) xy.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).compress(keepF)
                    .intoArray(sc.gy, k);
            idx.compress(keep).intoArray(sc.keptProbe, k);
            k += keep.trueCount();
        }
        return k;
    }

    /** Fixed-point vote weight of a pair: integer sums are exact, so every loop order gives one score. */
    static final float WEIGHT_SCALE = 4096f;

    static int weight(float sim) {
        return (int) ((sim - TAU) * WEIGHT_SCALE);
    }

    /**
     * The heaviest star over the window's k pairs (sc.gx/gy/px/py/wq/rot): max over anchors a of the summed
     * weights of the pairs b consistent with a (a itself included). Scalar reference.
     */
    static int starScalar(Scratch sc, int k) {
        final float[] gx = sc.gx, gy = sc.gy, px = sc.px, py = sc.py;
        final int[] vw = sc.wq, vrot = sc.rot;
        int star = 0;
        for (int a = 0; a < k; a++) {
            int support = 0;
            float ca = COS[vrot[a]], sa = SIN[vrot[a]];
            for (int b = 0; b < k; b++) {
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
            star = Math.max(star, support);
        }
        return star;
    }

    /**
     * {@link #starScalar} with VOTE_INTS.length() anchors a at a time and the pairs b one by one (broadcast):
     * one reduction per vector of anchors instead of one per anchor (the window holds 13 pairs on average, so
     * one vector of anchors is the common case); same float arithmetic per (a, b) as the scalar loop, exact int
     * sums, so the same star. In-JVM alternated A/B against one vector of pairs b per anchor (dev harness,
     * top 100 of 20,030 slots, ten JVMs): 6-19 % less time per slot in four, within 4 % in five, 1-5 % more in one.
     */
    static int starAnchors(Scratch sc, int k) {
        final float[] gx = sc.gx, gy = sc.gy, px = sc.px, py = sc.py, ca = sc.ca, sa = sc.sa;
        final int[] vw = sc.wq, vrot = sc.rot;
        final int lanes = VOTE_INTS.length();
        for (int t = 0; t < k; t++) {
            ca[t] = COS[vrot[t]];
            sa[t] = SIN[vrot[t]];
        }
        final FloatVector tol = FloatVector.broadcast(VOTE_FLOATS, 144f);
        int star = 0;
        for (int a = 0; a < k; a += lanes) {
            IntVector ra = IntVector.fromArray(VOTE_INTS, vrot, a).sub(PAIR_ROT_TOL);
            FloatVector cav = FloatVector.fromArray(VOTE_FLOATS, ca, a), sav = FloatVector.fromArray(VOTE_FLOATS, sa, a);
            FloatVector gxa = FloatVector.fromArray(VOTE_FLOATS, gx, a), gya = FloatVector.fromArray(VOTE_FLOATS, gy, a);
            FloatVector pxa = FloatVector.fromArray(VOTE_FLOATS, px, a), pya = FloatVector.fromArray(VOTE_FLOATS, py, a);
            IntVector support = IntVector.zero(VOTE_INTS);
            for (int b = 0; b < k; b++) {
                // (rot_b - rot_a) & 0xFF within +-PAIR_ROT_TOL, as one unsigned compare
                VectorMask<Integer> rotOk = IntVector.broadcast(VOTE_INTS, vrot[b]).sub(ra).and(0xFF)
                        .compare(VectorOperators.LE, 2 * PAIR_ROT_TOL);
                FloatVector dgx = FloatVector.broadcast(VOTE_FLOATS, gx[b]).sub(gxa);
                FloatVector dgy = FloatVector.broadcast(VOTE_FLOATS, gy[b]).sub(gya);
                FloatVector dpx = FloatVector.broadcast(VOTE_FLOATS, px[b]).sub(pxa);
                FloatVector dpy = FloatVector.broadcast(VOTE_FLOATS, py[b]).sub(pya);
                FloatVector ex = dpx.mul(cav).sub(dpy.mul(sav)).sub(dgx);
                FloatVector ey = dpx.mul(sav).add(dpy.mul(cav)).sub(dgy);
                FloatVector lim = tol.add(dgx.mul(dgx).add(dgy.mul(dgy)).mul(0.04f));
                VectorMask<Float> near = ex.mul(ex).add(ey.mul(ey)).compare(VectorOperators.LT, lim);
                support = support.add(IntVector.broadcast(VOTE_INTS, vw[b]), near.cast(VOTE_INTS).and(rotOk));
            }
            // lanes past k hold an earlier slot's leftovers: they are never a pair b, and as anchors they are
            // masked off here
            star = Math.max(star, support.reduceLanes(VectorOperators.MAX, VOTE_INTS.indexInRange(a, k)));
        }
        return star;
    }

    /**
     * For stored codes {@code 0..limit)}: the most similar probe code if its similarity exceeds {@link #TAU}
     * into {@code sc.bestSim/bestIdx} (index -1 when none; lanes at and beyond {@code limit} are garbage).
     */
    static void pairs(ProbeFinger p, MemorySegment s, long fo, int limit, Scratch sc) {
        if (VECTOR) {
            pairsVector(p, s, fo, limit, sc);
            return;
        }
        for (int j = 0; j < limit; j++) {
            long o = fo + 8L * j;
            long best = bestScalar(p, p.count, s.get(FingerSlotLayout.LONG, o + FingerSlotLayout.HARD0_OFFSET),
                    s.get(FingerSlotLayout.LONG, o + FingerSlotLayout.HARD1_OFFSET),
                    s.get(FingerSlotLayout.LONG, o + FingerSlotLayout.SOFT0_OFFSET),
                    s.get(FingerSlotLayout.LONG, o + FingerSlotLayout.SOFT1_OFFSET),
                    s.get(ValueLayout.JAVA_BYTE, fo + FingerSlotLayout.META_OFFSET + (long) j * FingerSlotLayout.META_BYTES) & 0xFF);
            sc.bestIdx[j] = (int) best;
            sc.bestSim[j] = Float.intBitsToFloat((int) (best >>> 32));
        }
    }

    /**
     * {@link #pairs} vectorised across stored codes: up to five vectors of LANES stored codes (contiguous in the
     * slot's struct-of-arrays; 40 codes with 512-bit vectors, so one pass covers a finger) against one probe
     * code, broadcast, at a time; probe codes in ascending order with a strict {@code >}, so the lowest index wins
     * ties as in the scalar loop (identical result).
     *
     * <p>The loop runs over the probe codes outside and the (up to five) vectors of stored codes inside, with
     * each vector's best similarity and index in registers for the whole loop and stored once at the end; the
     * stored codes are re-read from the slot (L1) for each probe code. The previous order (vectors of stored
     * codes outside, probe codes inside) stored each vector's results to the scratch before the next vector's
     * loop, after which C2 reloaded spilled pointers from the stack; its speed depended on where the scratch and
     * the stack happened to lie (a stack load that 4 KiB-aliases a pending store waits for it: the likely cause,
     * not proven). Dev harness, both orders in each of five JVMs, 20,030 slots: 206-228 ns per slot with this
     * order in all five, 202-348 with the previous one (slow in two).
     */
    static void pairsVector(ProbeFinger p, MemorySegment s, long fo, int limit, Scratch sc) {
        final long[] ph0 = p.hard0, ph1 = p.hard1, ps0 = p.soft0, ps1 = p.soft1;
        final int[] phc = p.hardCount, pia = p.indexAngle;
        final int n = p.count;
        final float[] ghcs = sc.storedHardCount;
        // TAU as the float nearest 9/20, which is what 9f / 20f rounds to
        final FloatVector tau = FloatVector.broadcast(FLOATS, (float) TAU_NUM / TAU_DEN);
        final IntVector none = IntVector.broadcast(INTS, -1);
        final long vb = 8L * LANES; // bytes per vector of one code array
        final long S0 = FingerSlotLayout.SOFT0_OFFSET, S1 = FingerSlotLayout.SOFT1_OFFSET;
        final long H0 = FingerSlotLayout.HARD0_OFFSET, H1 = FingerSlotLayout.HARD1_OFFSET;
        for (int g0 = 0; g0 < limit; g0 += 5 * LANES) {
            final int vectors = Math.min(5, (limit - g0 + LANES - 1) / LANES);
            final long o = fo + 8L * g0;
            // the stored codes' hard counts, per vector (every read stays below lane 40, CODE_LANES_READABLE)
            for (int v = 0; v < vectors; v++) {
                long ov = o + v * vb;
                ((FloatVector) LongVector.fromMemorySegment(LONGS, s, ov + H0, NATIVE)
                        .lanewise(VectorOperators.BIT_COUNT)
                        .add(LongVector.fromMemorySegment(LONGS, s, ov + H1, NATIVE)
                                .lanewise(VectorOperators.BIT_COUNT))
                        .convertShape(VectorOperators.L2F, FLOATS, 0)).intoArray(ghcs, v * LANES);
            }
            // the five blocks below are written out on purpose: with the similarity as a helper method C2 did not
            // inline it ("callee is too large"), boxed the vectors and ran 4x slower (943-1004 ns per slot)
            FloatVector bs0 = tau, bs1 = tau, bs2 = tau, bs3 = tau, bs4 = tau;
            IntVector bi0 = none, bi1 = none, bi2 = none, bi3 = none, bi4 = none;
            for (int i = 0; i < n; i++) {
                long a0 = ph0[i], a1 = ph1[i], b0 = ps0[i], b1 = ps1[i];
                float c = phc[i];
                int ia = pia[i];
                // num/den as a correctly rounded float quotient orders exactly like the fraction (denominators
                // <= 256: distinct fractions differ by far more than a float's rounding, equal ones round alike),
                // so comparing quotients is the scalar loop's cross-multiplied comparison; starts at TAU = 9/20
                FloatVector sim = ((FloatVector) LongVector.fromMemorySegment(LONGS, s, o + S0, NATIVE).and(a0).lanewise(VectorOperators.BIT_COUNT)
                        .add(LongVector.fromMemorySegment(LONGS, s, o + S1, NATIVE).and(a1).lanewise(VectorOperators.BIT_COUNT))
                        .add(LongVector.fromMemorySegment(LONGS, s, o + H0, NATIVE).and(b0).lanewise(VectorOperators.BIT_COUNT))
                        .add(LongVector.fromMemorySegment(LONGS, s, o + H1, NATIVE).and(b1).lanewise(VectorOperators.BIT_COUNT))
                        .convertShape(VectorOperators.L2F, FLOATS, 0)).div(FloatVector.fromArray(FLOATS, ghcs, 0).add(c));
                VectorMask<Float> gt = sim.compare(VectorOperators.GT, bs0);
                bs0 = bs0.blend(sim, gt);
                bi0 = bi0.blend(ia, gt.cast(INTS));
                if (vectors > 1) {
                    sim = ((FloatVector) LongVector.fromMemorySegment(LONGS, s, o + vb + S0, NATIVE).and(a0).lanewise(VectorOperators.BIT_COUNT)
                        .add(LongVector.fromMemorySegment(LONGS, s, o + vb + S1, NATIVE).and(a1).lanewise(VectorOperators.BIT_COUNT))
                        .add(LongVector.fromMemorySegment(LONGS, s, o + vb + H0, NATIVE).and(b0).lanewise(VectorOperators.BIT_COUNT))
                        .add(LongVector.fromMemorySegment(LONGS, s, o + vb + H1, NATIVE).and(b1).lanewise(VectorOperators.BIT_COUNT))
                        .convertShape(VectorOperators.L2F, FLOATS, 0)).div(FloatVector.fromArray(FLOATS, ghcs, LANES).add(c));
                    gt = sim.compare(VectorOperators.GT, bs1);
                    bs1 = bs1.blend(sim, gt);
                    bi1 = bi1.blend(ia, gt.cast(INTS));
                }
                if (vectors > 2) {
                    sim = ((FloatVector) LongVector.fromMemorySegment(LONGS, s, o + 2 * vb + S0, NATIVE).and(a0).lanewise(VectorOperators.BIT_COUNT)
                        .add(LongVector.fromMemorySegment(LONGS, s, o + 2 * vb + S1, NATIVE).and(a1).lanewise(VectorOperators.BIT_COUNT))
                        .add(LongVector.fromMemorySegment(LONGS, s, o + 2 * vb + H0, NATIVE).and(b0).lanewise(VectorOperators.BIT_COUNT))
                        .add(LongVector.fromMemorySegment(LONGS, s, o + 2 * vb + H1, NATIVE).and(b1).lanewise(VectorOperators.BIT_COUNT))
                        .convertShape(VectorOperators.L2F, FLOATS, 0)).div(FloatVector.fromArray(FLOATS, ghcs, 2 * LANES).add(c));
                    gt = sim.compare(VectorOperators.GT, bs2);
                    bs2 = bs2.blend(sim, gt);
                    bi2 = bi2.blend(ia, gt.cast(INTS));
                }
                if (vectors > 3) {
                    sim = ((FloatVector) LongVector.fromMemorySegment(LONGS, s, o + 3 * vb + S0, NATIVE).and(a0).lanewise(VectorOperators.BIT_COUNT)
                        .add(LongVector.fromMemorySegment(LONGS, s, o + 3 * vb + S1, NATIVE).and(a1).lanewise(VectorOperators.BIT_COUNT))
                        .add(LongVector.fromMemorySegment(LONGS, s, o + 3 * vb + H0, NATIVE).and(b0).lanewise(VectorOperators.BIT_COUNT))
                        .add(LongVector.fromMemorySegment(LONGS, s, o + 3 * vb + H1, NATIVE).and(b1).lanewise(VectorOperators.BIT_COUNT))
                        .convertShape(VectorOperators.L2F, FLOATS, 0)).div(FloatVector.fromArray(FLOATS, ghcs, 3 * LANES).add(c));
                    gt = sim.compare(VectorOperators.GT, bs3);
                    bs3 = bs3.blend(sim, gt);
                    bi3 = bi3.blend(ia, gt.cast(INTS));
                }
                if (vectors > 4) {
                    sim = ((FloatVector) LongVector.fromMemorySegment(LONGS, s, o + 4 * vb + S0, NATIVE).and(a0).lanewise(VectorOperators.BIT_COUNT)
                        .add(LongVector.fromMemorySegment(LONGS, s, o + 4 * vb + S1, NATIVE).and(a1).lanewise(VectorOperators.BIT_COUNT))
                        .add(LongVector.fromMemorySegment(LONGS, s, o + 4 * vb + H0, NATIVE).and(b0).lanewise(VectorOperators.BIT_COUNT))
                        .add(LongVector.fromMemorySegment(LONGS, s, o + 4 * vb + H1, NATIVE).and(b1).lanewise(VectorOperators.BIT_COUNT))
                        .convertShape(VectorOperators.L2F, FLOATS, 0)).div(FloatVector.fromArray(FLOATS, ghcs, 4 * LANES).add(c));
                    gt = sim.compare(VectorOperators.GT, bs4);
                    bs4 = bs4.blend(sim, gt);
                    bi4 = bi4.blend(ia, gt.cast(INTS));
                }
            }
            bs0.intoArray(sc.bestSim, g0);
            bi0.lanewise(VectorOperators.ASHR, 8).intoArray(sc.bestIdx, g0);
            bi0.and(0xFF).intoArray(sc.bestAngle, g0);
            if (vectors > 1) {
                bs1.intoArray(sc.bestSim, g0 + LANES);
                bi1.lanewise(VectorOperators.ASHR, 8).intoArray(sc.bestIdx, g0 + LANES);
                bi1.and(0xFF).intoArray(sc.bestAngle, g0 + LANES);
            }
            if (vectors > 2) {
                bs2.intoArray(sc.bestSim, g0 + 2 * LANES);
                bi2.lanewise(VectorOperators.ASHR, 8).intoArray(sc.bestIdx, g0 + 2 * LANES);
                bi2.and(0xFF).intoArray(sc.bestAngle, g0 + 2 * LANES);
            }
            if (vectors > 3) {
                bs3.intoArray(sc.bestSim, g0 + 3 * LANES);
                bi3.lanewise(VectorOperators.ASHR, 8).intoArray(sc.bestIdx, g0 + 3 * LANES);
                bi3.and(0xFF).intoArray(sc.bestAngle, g0 + 3 * LANES);
            }
            if (vectors > 4) {
                bs4.intoArray(sc.bestSim, g0 + 4 * LANES);
                bi4.lanewise(VectorOperators.ASHR, 8).intoArray(sc.bestIdx, g0 + 4 * LANES);
                bi4.and(0xFF).intoArray(sc.bestAngle, g0 + 4 * LANES);
            }
        }
    }

    /**
     * The probe code most similar to stored code (gh, gs, ghc) if its similarity exceeds {@link #TAU}:
     * {@code (sim bits << 32) | index}, index -1 when none. Scalar reference.
     */
    static long bestScalar(ProbeFinger p, int n, long gh0, long gh1, long gs0, long gs1, int ghc) {
        final long[] ph0 = p.hard0, ph1 = p.hard1, ps0 = p.soft0, ps1 = p.soft1;
        final int[] phc = p.hardCount;
        int bestNum = TAU_NUM, bestDen = TAU_DEN;
        int bestI = -1;
        for (int i = 0; i < n; i++) {
            int num = Long.bitCount(ph0[i] & gs0) + Long.bitCount(ph1[i] & gs1)
                    + Long.bitCount(ps0[i] & gh0) + Long.bitCount(ps1[i] & gh1);
            int den = phc[i] + ghc;
            if (num * bestDen > bestNum * den) {
                bestNum = num;
                bestDen = den;
                bestI = i;
            }
        }
        float bestSim = bestNum / (float) bestDen;
        return ((long) Float.floatToRawIntBits(bestSim) << 32) | (bestI & 0xFFFFFFFFL);
    }
}
