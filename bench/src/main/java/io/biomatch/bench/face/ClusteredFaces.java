package io.biomatch.bench.face;

import java.util.SplittableRandom;

/**
 * Seeded synthetic face embeddings with known mates, shaped like the shared photos' {@code fr_feature}
 * statistics (genuine cosine ~0.65, impostors ~0 with a heavier tail inside look-alike groups).
 *
 * <pre>
 * cluster j (n / clusterSize of them): centre c_j, a random unit vector            ("look-alike group")
 * identity i (gallery record i):       id_i = unit(a c_j + sqrt(1-a^2) g_i)     j = cluster of i, a^2 = 0.25
 * gallery vector of i:                 unit(b id_i + sqrt(1-b^2) h_i)           b^2 = 0.65
 * mate probe of i:                     unit(b id_i + sqrt(1-b^2) h'_i)          another sample of the same person
 * </pre>
 * g, h, h' are independent random unit vectors (Gaussian, normalised). Expected cosines: gallery vs its mate probe
 * 0.65; two identities of one cluster 0.25 * 0.65 = 0.16; of different clusters 0; each with spread
 * ~1/sqrt(dim) = 0.044 at 512-d. Cluster of i: {@code i % clusters}, so clusters interleave across ordinals
 * and shards. Every vector is a pure function of (seed, kind, index): generation runs in parallel and any
 * vector can be recomputed.
 */
public final class ClusteredFaces {
    public static final double A2 = 0.25;
    public static final double B2 = 0.65;

    private final long seed;
    private final int dim;
    private final int clusters;

    public ClusteredFaces(long seed, int dim, int n, int clusterSize) {
        this.seed = seed;
        this.dim = dim;
        this.clusters = Math.max(1, n / clusterSize);
    }

    public int dim() {
        return dim;
    }

    public int clusters() {
        return clusters;
    }

    /** Gallery vector of identity i (unit). */
    public float[] gallery(int i) {
        return sample(i, 1);
    }

    /** A second, independent sample of identity i: the probe whose mate is gallery record i. */
    public float[] mateProbe(int i) {
        return sample(i, 2);
    }

    private float[] sample(int i, int kind) {
        float[] id = identity(i);
        float[] h = random(mix(seed, kind, i));
        double b = Math.sqrt(B2);
        double rb = Math.sqrt(1 - B2);
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) (b * id[d] + rb * h[d]);
        }
        return unit(v);
    }

    private float[] identity(int i) {
        float[] c = random(mix(seed, 3, i % clusters));
        float[] g = random(mix(seed, 4, i));
        double a = Math.sqrt(A2);
        double ra = Math.sqrt(1 - A2);
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) (a * c[d] + ra * g[d]);
        }
        return unit(v);
    }

    private float[] random(long s) {
        SplittableRandom r = new SplittableRandom(s);
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) r.nextGaussian();
        }
        return unit(v);
    }

    static float[] unit(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        float inv = (float) (1 / Math.sqrt(s));
        for (int d = 0; d < v.length; d++) {
            v[d] *= inv;
        }
        return v;
    }

    private static long mix(long seed, int kind, int i) {
        long z = seed * 0x9E3779B97F4A7C15L + kind * 0xBF58476D1CE4E5B9L + i * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
