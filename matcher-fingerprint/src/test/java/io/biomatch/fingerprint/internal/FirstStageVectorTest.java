package io.biomatch.fingerprint.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The vectorised local-pair search and star consolidation return exactly the scalar loops' results. */
class FirstStageVectorTest {
    static Minutiae random(SplittableRandom r, int n) {
        short[] x = new short[n], y = new short[n];
        float[] d = new float[n];
        boolean[] b = new boolean[n];
        for (int i = 0; i < n; i++) {
            x[i] = (short) r.nextInt(300);
            y[i] = (short) r.nextInt(300);
            d[i] = (float) r.nextDouble(0, 2 * Math.PI);
            b[i] = r.nextBoolean();
        }
        return new Minutiae(300, 300, x, y, d, b);
    }

    /** The scan prefetches whole lines; every byte the first stage may read of a block must lie in one of them. */
    @Test
    void prefetchedLinesCoverEveryByteTheFirstStageReads() {
        int[] lines = FingerSlotLayout.FIRST_STAGE_LINES;
        java.util.BitSet covered = new java.util.BitSet(FingerSlotLayout.FINGER_BYTES);
        int previous = -64;
        for (int line : lines) {
            assertEquals(0, line % 64, "line offset " + line);
            assertTrue(line > previous && line < FingerSlotLayout.FINGER_BYTES, "line offset " + line);
            covered.set(line, line + 64);
            previous = line;
        }
        // header and the records keepVector loads (16 per vector, the last vector starting at code 32)
        int recordsEnd = FingerSlotLayout.MINUTIAE_OFFSET + 48 * FingerSlotLayout.MINUTIA_BYTES;
        // the four code arrays (a vector kernel reads up to lane 40 of each) and the meta words
        int codesEnd = Math.max(FingerSlotLayout.SOFT1_OFFSET + FingerSlotLayout.CODE_LANES_READABLE * 8,
                FingerSlotLayout.META_OFFSET + FingerSlotLayout.MAX_CODES * FingerSlotLayout.META_BYTES);
        for (int b = 0; b < recordsEnd; b++) {
            assertTrue(covered.get(b), "header/record byte " + b + " not prefetched");
        }
        for (int b = FingerSlotLayout.CODES_OFFSET; b < codesEnd; b++) {
            assertTrue(covered.get(b), "code/meta byte " + b + " not prefetched");
        }
        assertTrue(lines.length < FingerSlotLayout.FINGER_BYTES / 64, "the unread middle records are left out");
    }

    @Test
    void pairsVectorEqualsScalarOverOddSizes() {
        SplittableRandom r = new SplittableRandom(11);
        int checked = 0, voted = 0;
        FirstStage.Scratch sc = new FirstStage.Scratch();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(FingerSlotLayout.FINGER_BYTES, 64);
            for (int trial = 0; trial < 300; trial++) {
                // odd sizes (0..100 minutiae) exercise the tails; dense prints give real votes
                ProbeFinger p = new ProbeFinger(0, random(r, r.nextInt(101)), null);
                slot.fill((byte) 0);
                // garbage beyond the codes must not matter
                FingerSlotLayout.writeFinger(slot, 0, 0, random(r, 5 + r.nextInt(96)), 1);
                int codes = FingerSlotLayout.codeCount(slot, 0);
                FirstStage.pairsVector(p, slot, 0, codes, sc);
                float[] vs = sc.bestSim.clone();
                int[] vi = sc.bestIdx.clone();
                for (int j = 0; j < codes; j++) {
                    long o = 8L * j;
                    long s = FirstStage.bestScalar(p, p.count, slot.get(FingerSlotLayout.LONG, o + FingerSlotLayout.HARD0_OFFSET),
                            slot.get(FingerSlotLayout.LONG, o + FingerSlotLayout.HARD1_OFFSET),
                            slot.get(FingerSlotLayout.LONG, o + FingerSlotLayout.SOFT0_OFFSET),
                            slot.get(FingerSlotLayout.LONG, o + FingerSlotLayout.SOFT1_OFFSET),
                            slot.get(java.lang.foreign.ValueLayout.JAVA_BYTE,
                                    FingerSlotLayout.META_OFFSET + (long) j * FingerSlotLayout.META_BYTES) & 0xFF);
                    assertEquals((int) s, vi[j], "trial " + trial + " code " + j);
                    if ((int) s >= 0) {
                        assertEquals(Float.intBitsToFloat((int) (s >>> 32)), vs[j], "trial " + trial + " code " + j);
                        voted++;
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 1000 && voted > 100, checked + " codes, " + voted + " voted");
    }

    @Test
    void starVectorEqualsScalar() {
        SplittableRandom r = new SplittableRandom(5);
        FirstStage.Scratch sc = new FirstStage.Scratch();
        int nonTrivial = 0;
        for (int trial = 0; trial < 2000; trial++) {
            int k = r.nextInt(FingerSlotLayout.MAX_CODES + 1);
            int rot = r.nextInt(256);
            double c = Math.cos(rot * 2 * Math.PI / 256), s = Math.sin(rot * 2 * Math.PI / 256);
            for (int a = 0; a < k; a++) {
                // half of the pairs follow one rigid motion (with noise), the rest are random
                float px = r.nextInt(300), py = r.nextInt(300);
                boolean rigid = r.nextBoolean();
                sc.px[a] = px;
                sc.py[a] = py;
                sc.gx[a] = rigid ? (float) (c * px - s * py + 40 + r.nextInt(9)) : r.nextInt(300);
                sc.gy[a] = rigid ? (float) (s * px + c * py - 20 + r.nextInt(9)) : r.nextInt(300);
                sc.rot[a] = rigid ? (rot + r.nextInt(-30, 31)) & 0xFF : r.nextInt(256);
                sc.wq[a] = r.nextInt(1, 2253);
            }
            int scalar = FirstStage.starScalar(sc, k);
            assertEquals(scalar, FirstStage.starAnchors(sc, k), "trial " + trial);
            int maxW = 0;
            for (int a = 0; a < k; a++) {
                maxW = Math.max(maxW, sc.wq[a]);
            }
            nonTrivial += scalar > maxW ? 1 : 0;
        }
        assertTrue(nonTrivial > 500, nonTrivial + " trials with a star of two or more pairs");
    }

    @Test
    void slotMinutiaeReadBackInTheirOriginalOrder() {
        SplittableRandom r = new SplittableRandom(31);
        int reordered = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(FingerSlotLayout.FINGER_BYTES, 64);
            for (int trial = 0; trial < 200; trial++) {
                Minutiae m = random(r, r.nextInt(Minutiae.MAX + 1));
                slot.fill((byte) 0);
                FingerSlotLayout.writeFinger(slot, 0, 0, m, 1);
                Minutiae back = FingerSlotLayout.readMinutiae(slot, 0);
                String at = "trial " + trial;
                assertArrayEquals(m.x, back.x, at);
                assertArrayEquals(m.y, back.y, at);
                assertArrayEquals(m.direction, back.direction, at);
                assertArrayEquals(m.bifurcation, back.bifurcation, at);
                int codes = FingerSlotLayout.codeCount(slot, 0);
                for (int q = 0; q < codes; q++) {
                    int i = slot.get(java.lang.foreign.ValueLayout.JAVA_BYTE,
                            FingerSlotLayout.META_OFFSET + (long) q * FingerSlotLayout.META_BYTES + 2) & 0xFF;
                    reordered += i != q ? 1 : 0;
                }
            }
        }
        assertTrue(reordered > 100, reordered + " codes whose minutia moved");
    }

    @Test
    void voteAndKeepPassesEqualScalar() {
        SplittableRandom r = new SplittableRandom(23);
        FirstStage.Scratch sc = new FirstStage.Scratch();
        int voted = 0, kept = 0;
        try (Arena arena = Arena.ofConfined()) {
            // two blocks: a finger in the last one makes the vote pass's final meta load end past the segment
            MemorySegment slots = arena.allocate(2L * FingerSlotLayout.FINGER_BYTES, 64);
            for (int trial = 0; trial < 400; trial++) {
                ProbeFinger p = new ProbeFinger(0, random(r, r.nextInt(101)), null);
                long fo = (trial % 2) * (long) FingerSlotLayout.FINGER_BYTES;
                slots.fill((byte) 0x5A); // garbage around the codes must not matter
                Minutiae m = random(r, 5 + r.nextInt(96));
                FingerSlotLayout.writeFinger(slots, fo, 0, m, 1);
                int codes = FingerSlotLayout.codeCount(slots, fo);
                FirstStage.pairsVector(p, slots, fo, codes, sc);
                FirstStage.votesVector(slots, fo, codes, sc);
                int[] w = sc.voteWeight.clone(), rot = sc.voteRot.clone();
                int[] hist = sc.ihist.clone();
                FirstStage.votesScalar(p, slots, fo, codes, sc);
                for (int j = 0; j < codes; j++) {
                    String at = "trial " + trial + " code " + j;
                    assertEquals(sc.voteWeight[j], w[j], at);
                    assertEquals(sc.voteRot[j], rot[j], at);
                    voted += sc.bestIdx[j] >= 0 ? 1 : 0;
                }
                assertArrayEquals(sc.ihist, hist, "trial " + trial);
                for (int maxBin = 0; maxBin < FirstStage.ROT_BINS; maxBin++) {
                    int k = FirstStage.keepVector(slots, fo, codes, maxBin, sc);
                    int[] kw = java.util.Arrays.copyOf(sc.wq, k), kr = java.util.Arrays.copyOf(sc.rot, k);
                    float[] kx = java.util.Arrays.copyOf(sc.gx, k), ky = java.util.Arrays.copyOf(sc.gy, k);
                    int[] kp = java.util.Arrays.copyOf(sc.keptProbe, k);
                    String at = "trial " + trial + " window " + maxBin;
                    assertEquals(FirstStage.keepScalar(slots, fo, codes, maxBin, sc), k, at);
                    assertArrayEquals(java.util.Arrays.copyOf(sc.wq, k), kw, at);
                    assertArrayEquals(java.util.Arrays.copyOf(sc.rot, k), kr, at);
                    assertArrayEquals(java.util.Arrays.copyOf(sc.gx, k), kx, at);
                    assertArrayEquals(java.util.Arrays.copyOf(sc.gy, k), ky, at);
                    assertArrayEquals(java.util.Arrays.copyOf(sc.keptProbe, k), kp, at);
                    // each kept pair carries its code's own minutia, found here through the code's original index
                    for (int j = 0, q = 0; j < codes; j++) {
                        if (sc.bestIdx[j] >= 0 && (((sc.voteRot[j] >>> 4) - maxBin) & (FirstStage.ROT_BINS - 1)) < FirstStage.WINDOW) {
                            int i = slots.get(java.lang.foreign.ValueLayout.JAVA_BYTE,
                                    fo + FingerSlotLayout.META_OFFSET + (long) j * FingerSlotLayout.META_BYTES + 2) & 0xFF;
                            assertEquals(m.x[i], kx[q], at + " pair " + q);
                            assertEquals(m.y[i], ky[q], at + " pair " + q);
                            assertEquals(sc.bestIdx[j], kp[q], at + " pair " + q);
                            q++;
                        }
                    }
                    kept += k;
                }
            }
        }
        assertTrue(voted > 1000 && kept > 1000, voted + " votes, " + kept + " kept pairs");
    }
}
