package io.biomatch.fingerprint.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The vectorised local-pair search returns exactly the scalar loop's pair and similarity. */
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

    @Test
    void vectorEqualsScalarOverOddSizes() {
        SplittableRandom r = new SplittableRandom(11);
        int checked = 0, voted = 0;
        for (int trial = 0; trial < 300; trial++) {
            // odd sizes (0..100 minutiae) exercise the padded tail; dense prints give real votes
            ProbeFinger p = new ProbeFinger(0, random(r, r.nextInt(101)), null);
            Minutiae g = random(r, 5 + r.nextInt(96));
            int[] which = new int[g.count()];
            for (int i = 0; i < which.length; i++) {
                which[i] = i;
            }
            long[] hard = new long[2 * which.length], soft = new long[2 * which.length];
            LocalStructures.compute(g, which, which.length, hard, soft);
            for (int q = 0; q < which.length; q++) {
                int ghc = Long.bitCount(hard[2 * q]) + Long.bitCount(hard[2 * q + 1]);
                if (ghc < ProbeFinger.MIN_NEIGHBOURS) {
                    continue;
                }
                long s = FirstStage.bestScalar(p, p.count, hard[2 * q], hard[2 * q + 1], soft[2 * q], soft[2 * q + 1], ghc);
                long v = FirstStage.bestVector(p, p.count, hard[2 * q], hard[2 * q + 1], soft[2 * q], soft[2 * q + 1], ghc);
                assertEquals(s, v, "trial " + trial + " code " + q);
                checked++;
                voted += (int) s >= 0 ? 1 : 0;
            }
        }
        assertEquals(true, checked > 1000 && voted > 100, checked + " codes, " + voted + " voted");
    }
}
