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
 * 0.65; two identities of one cluster 0.25 * 0.65 = 0.16; of different clusters 0. Cluster of i:
 * {@code i % clusters}, so clusters interleave across ordinals and shards. Every vector is a pure function of
 * (seed, kind, index): generation runs in parallel and any vector can be recomputed.
 *
 * <p><b>Spread of the random directions</b> ({@link Spectrum}):
 * <ul>
 *   <li>{@link Spectrum#isotropic()}: c, g, h ~ N(0, I), every direction equally likely. Cosines between unrelated
 *       vectors spread by 1/sqrt(dim) = 0.044 at 512-d: intrinsic dimension 512, the worst case for graph search
 *       and not what face models produce.</li>
 *   <li>{@link Spectrum#participationRatio(double)}: c, g, h ~ R N(0, diag(lambda)) with a power-law spectrum
 *       lambda_k = k^-alpha (k = 1..dim), alpha solved so that the participation ratio
 *       (sum lambda)^2 / sum lambda^2 equals the target, and R a fixed seeded random rotation (a randomised
 *       Hadamard transform: random signs, then the orthonormal Walsh-Hadamard transform, twice; dim must be a
 *       power of two) so that no coordinate axis is special (int8 quantisation is per vector). Unrelated cosines
 *       then spread by ~1/sqrt(ratio). Fitted to the shared photos: the 1,074 impostor pairs of the 49
 *       single-person images in ../shared/data/face/images under fr_feature have cosine mean 0.005 and standard
 *       deviation 0.095 ({@code biomatch eval face ../shared/data/face/images}), i.e. 1/0.095^2 = 111 effective
 *       dimensions, not 512; the gallery's impostor cosines (identity plus sample noise) reach that sd at a
 *       ratio of 95 ({@link #FR_FEATURE_RATIO}; printed by {@code FaceAnnBenchmark}).</li>
 * </ul>
 *
 * <p><b>Sample noise spread like identity.</b> h is drawn like g and c, so a second photo of a person shares
 * b^2 = 0.65 of the first photo's similarity to an unrelated face ("carry-over", {@code FaceEval.ImpostorCarryOver}).
 * That is what the shared photos show under fr_feature: impostor profile correlation 0.661 and top-impostor
 * carry-over 0.60 over the 102 genuine pairs of 10 identities (jackknife over identities: standard error 0.07 and
 * 0.08; {@code biomatch eval face ../shared/data/face/images}). A generator whose look-alikes look alike in every
 * photo (carry-over near 1) would make a graph index's job easy, because a gallery photo's graph neighbours would
 * then be as close to the probe as to the photo; the photos do not support it. {@code FaceAnnBenchmark} prints
 * the generator's own carry-over beside the photos'. For sensitivity runs h may spread otherwise (the six-argument
 * constructor; {@code FaceAnnBenchmark} spectrum "A:B"): "pr=46:iso" (identities with participation ratio 46,
 * photo variation isotropic) keeps the unrelated cosines' sd near the photos' (0.092 on FaceAnnBenchmark's sample)
 * but makes the carry-over 0.905 / 0.88, about 3.5 standard errors above the photos' 0.661 / 0.60.
 */
public final class ClusteredFaces {
    public static final double A2 = 0.25;
    public static final double B2 = 0.65;

    /** Participation ratio fitted to the shared photos' impostor cosines under fr_feature (sd 0.095). */
    public static final double FR_FEATURE_RATIO = 95;

    private final long seed;
    private final int dim;
    private final int clusters;
    /** How c and g spread (cluster centres and identities). */
    private final Shape identityShape;
    /** How h spreads (one photo's own variation); the same as {@link #identityShape} unless given apart. */
    private final Shape noiseShape;

    /**
     * A spectrum made concrete: sigma = sqrt(lambda_k), and the random signs of the two Hadamard rounds (all null
     * for isotropic).
     */
    private record Shape(double[] sigma, float[] signs1, float[] signs2) {
    }

    /** How the random directions spread; see the class comment. */
    public record Spectrum(double participationRatio) {
        public static Spectrum isotropic() {
            return new Spectrum(0);
        }

        public static Spectrum participationRatio(double ratio) {
            if (!(ratio >= 1)) {
                throw new IllegalArgumentException("participation ratio must be >= 1, got " + ratio);
            }
            return new Spectrum(ratio);
        }

        /** "iso" or "pr=N" (e.g. "pr=111"), or "fitted" for {@link #FR_FEATURE_RATIO}. */
        public static Spectrum parse(String s) {
            if (s.equals("iso")) {
                return isotropic();
            }
            if (s.equals("fitted")) {
                return participationRatio(FR_FEATURE_RATIO);
            }
            if (s.startsWith("pr=")) {
                return participationRatio(Double.parseDouble(s.substring(3)));
            }
            throw new IllegalArgumentException("spectrum must be iso, fitted or pr=N, got " + s);
        }

        public boolean isIsotropic() {
            return participationRatio == 0;
        }

        @Override
        public String toString() {
            return isIsotropic() ? "isotropic" : String.format(java.util.Locale.ROOT, "power law, participation ratio %.0f", participationRatio);
        }
    }

    public ClusteredFaces(long seed, int dim, int n, int clusterSize) {
        this(seed, dim, n, clusterSize, Spectrum.isotropic());
    }

    public ClusteredFaces(long seed, int dim, int n, int clusterSize, Spectrum spectrum) {
        this(seed, dim, n, clusterSize, spectrum, spectrum);
    }

    /**
     * @param spectrum      how cluster centres and identities (c, g) spread
     * @param noiseSpectrum how a photo's own variation (h) spreads; a sensitivity option (see the class comment:
     *                      the shared photos support h spread like g)
     */
    public ClusteredFaces(long seed, int dim, int n, int clusterSize, Spectrum spectrum, Spectrum noiseSpectrum) {
        this.seed = seed;
        this.dim = dim;
        this.clusters = Math.max(1, n / clusterSize);
        this.identityShape = shape(spectrum, 0);
        this.noiseShape = noiseSpectrum.equals(spectrum) ? identityShape : shape(noiseSpectrum, 1);
    }

    /**
     * The spectrum made concrete; rotation signs from mix(seed, 5, 2 * which) and mix(seed, 5, 2 * which + 1), so
     * which = 0 keeps the signs the generator always had.
     */
    private Shape shape(Spectrum spectrum, int which) {
        if (spectrum.isIsotropic()) {
            return new Shape(null, null, null);
        }
        if (Integer.bitCount(dim) != 1) {
            throw new IllegalArgumentException("a non-isotropic spectrum needs a power-of-two dimension, got " + dim);
        }
        if (spectrum.participationRatio() > dim) {
            throw new IllegalArgumentException("participation ratio " + spectrum.participationRatio() + " exceeds dim " + dim);
        }
        double alpha = powerLawExponent(dim, spectrum.participationRatio());
        double[] sigma = new double[dim];
        for (int k = 0; k < dim; k++) {
            sigma[k] = Math.pow(k + 1, -alpha / 2);
        }
        return new Shape(sigma, signs(mix(seed, 5, 2 * which)), signs(mix(seed, 5, 2 * which + 1)));
    }

    /** alpha with (sum k^-a)^2 / sum k^-2a = ratio (k = 1..dim); the ratio falls monotonically in a. */
    static double powerLawExponent(int dim, double ratio) {
        double lo = 0;
        double hi = 8;
        for (int it = 0; it < 100; it++) {
            double a = (lo + hi) / 2;
            double s1 = 0;
            double s2 = 0;
            for (int k = 1; k <= dim; k++) {
                double l = Math.pow(k, -a);
                s1 += l;
                s2 += l * l;
            }
            if (s1 * s1 / s2 > ratio) {
                lo = a;
            } else {
                hi = a;
            }
        }
        return (lo + hi) / 2;
    }

    private float[] signs(long s) {
        SplittableRandom r = new SplittableRandom(s);
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = r.nextBoolean() ? 1f : -1f;
        }
        return v;
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
        float[] h = random(mix(seed, kind, i), noiseShape);
        double b = Math.sqrt(B2);
        double rb = Math.sqrt(1 - B2);
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) (b * id[d] + rb * h[d]);
        }
        return unit(v);
    }

    private float[] identity(int i) {
        float[] c = random(mix(seed, 3, i % clusters), identityShape);
        float[] g = random(mix(seed, 4, i), identityShape);
        double a = Math.sqrt(A2);
        double ra = Math.sqrt(1 - A2);
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) (a * c[d] + ra * g[d]);
        }
        return unit(v);
    }

    private float[] random(long s, Shape shape) {
        SplittableRandom r = new SplittableRandom(s);
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) r.nextGaussian();
        }
        if (shape.sigma() != null) {
            for (int d = 0; d < dim; d++) {
                v[d] *= (float) shape.sigma()[d];
            }
            rotate(v, shape.signs1());
            rotate(v, shape.signs2());
        }
        return unit(v);
    }

    /** In place: v = H diag(signs) v with H the orthonormal Walsh-Hadamard matrix (fast transform). */
    private static void rotate(float[] v, float[] signs) {
        int n = v.length;
        for (int d = 0; d < n; d++) {
            v[d] *= signs[d];
        }
        for (int len = 1; len < n; len <<= 1) {
            for (int i = 0; i < n; i += len << 1) {
                for (int j = i; j < i + len; j++) {
                    float a = v[j];
                    float b = v[j + len];
                    v[j] = a + b;
                    v[j + len] = a - b;
                }
            }
        }
        float norm = (float) (1 / Math.sqrt(n));
        for (int d = 0; d < n; d++) {
            v[d] *= norm;
        }
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
