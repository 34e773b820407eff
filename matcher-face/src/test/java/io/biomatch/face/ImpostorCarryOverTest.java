package io.biomatch.face;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImpostorCarryOverTest {
    private static final int DIM = 256;

    /** Photos = unit(b * identity + sqrt(1 - b^2) * noise), Gaussian identity and noise, photos per identity. */
    private static FaceEval.ImpostorCarryOver simulate(double b2, int identities, int photos, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = identities * photos;
        int[] id = new int[n];
        double[][] v = new double[n][];
        for (int i = 0; i < identities; i++) {
            double[] identity = gaussian(r);
            for (int p = 0; p < photos; p++) {
                double[] noise = gaussian(r);
                double[] x = new double[DIM];
                for (int d = 0; d < DIM; d++) {
                    x[d] = Math.sqrt(b2) * identity[d] + Math.sqrt(1 - b2) * noise[d];
                }
                id[i * photos + p] = i;
                v[i * photos + p] = unit(x);
            }
        }
        double[][] sim = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int d = 0; d < DIM; d++) {
                    s += v[i][d] * v[j][d];
                }
                sim[i][j] = s;
            }
        }
        return FaceEval.ImpostorCarryOver.of(id, sim);
    }

    private static double[] gaussian(SplittableRandom r) {
        double[] x = new double[DIM];
        for (int d = 0; d < DIM; d++) {
            x[d] = r.nextGaussian();
        }
        return unit(x);
    }

    private static double[] unit(double[] x) {
        double s = 0;
        for (double a : x) {
            s += a * a;
        }
        for (int d = 0; d < x.length; d++) {
            x[d] /= Math.sqrt(s);
        }
        return x;
    }

    @Test
    void sampleNoiseSpreadLikeIdentityCarriesTheGenuineCosine() {
        for (double b2 : new double[] {0.4, 0.65, 0.85}) {
            FaceEval.ImpostorCarryOver c = simulate(b2, 60, 4, 7);
            assertEquals(60 * 6, c.genuinePairs());
            assertEquals(b2, c.profileCorrelation(), 0.03, "profile correlation at b^2 = " + b2);
            assertEquals(b2, c.topImpostorCarryOver(), 0.05, "top-impostor carry-over at b^2 = " + b2);
        }
    }

    @Test
    void identicalPhotosCarryEverythingAndLoneIdentitiesCountNothing() {
        FaceEval.ImpostorCarryOver same = simulate(1.0, 20, 3, 3);
        assertEquals(1.0, same.profileCorrelation(), 1e-9);
        assertEquals(1.0, same.topImpostorCarryOver(), 1e-9);

        FaceEval.ImpostorCarryOver lone = simulate(0.65, 30, 1, 3);
        assertEquals(0, lone.genuinePairs());
        assertTrue(Double.isNaN(lone.profileCorrelation()));
        // two identities only: each pair has 2 photos of another identity, fewer than the 3 a correlation needs
        assertEquals(0, simulate(0.65, 2, 2, 3).genuinePairs());
    }
}
