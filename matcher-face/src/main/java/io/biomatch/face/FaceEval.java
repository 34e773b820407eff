package io.biomatch.face;

import io.biomatch.core.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Evaluates the photo pipeline on a folder with one sub-folder per identity ({@code _*} folders, e.g.
 * {@code _group}, are only counted for detection): detection rate, genuine and impostor cosine
 * distributions over every pair, EER, rank-1 leave-one-out (each image against all the others), the
 * error rates at the default threshold, and detect+align+embed throughput (one thread).
 *
 * <p>Run: {@code FaceEval.evaluate(imagesDir, FaceConfig.defaults())}, or {@code java ... io.biomatch.face.FaceEval DIR [model-id]}.
 */
public final class FaceEval {
    private FaceEval() {
    }

    /** Score distribution summary. */
    /**
     * @param sd population standard deviation: for impostor pairs, 1/sd^2 is the effective dimension of the
     *           embedding space that a synthetic gallery should reproduce ({@code ClusteredFaces} in bench/)
     */
    public record Distribution(int count, double mean, double sd, double min, double p05, double median, double p95,
                               double max) {
        static Distribution of(double[] s) {
            if (s.length == 0) {
                return new Distribution(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                        Double.NaN);
            }
            double[] x = s.clone();
            Arrays.sort(x);
            double mean = Arrays.stream(x).average().orElse(Double.NaN);
            double var = Arrays.stream(x).map(v -> (v - mean) * (v - mean)).sum() / x.length;
            return new Distribution(x.length, mean, Math.sqrt(var), x[0], q(x, 0.05), q(x, 0.5), q(x, 0.95),
                    x[x.length - 1]);
        }

        private static double q(double[] sorted, double p) {
            return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))];
        }
    }

    /**
     * How much of a photo's similarity to unrelated faces a second photo of the same person shares. This is what
     * decides whether a graph index built from gallery photos leads a probe to its mate: a gallery photo's graph
     * neighbours are the unrelated faces most similar to that photo, and the probe (another photo of the person)
     * sees them at cosine {@code topImpostorCarryOver} times as high. In a model where a photo is
     * {@code b * identity + sqrt(1 - b^2) * noise} with identity and noise spread alike ({@code ClusteredFaces} in
     * bench/), both numbers equal the genuine cosine b^2; if look-alikes looked alike in every photo, both would
     * be near 1. Measured here on few photos and at the top of a few dozen impostors, not at a gallery's tail.
     *
     * @param genuinePairs         pairs of photos of one identity that were counted (each needs >= 3 photos of
     *                             other identities)
     * @param profileCorrelation   mean over those pairs (i, j) of the Pearson correlation, over every photo x of
     *                             another identity, of cos(i, x) and cos(j, x)
     * @param topImpostorCarryOver sum over (i, j) of cos(j, t_i) divided by the sum of cos(i, t_i), both
     *                             orders of each pair, where t_i is the photo of another identity most similar to i
     */
    public record ImpostorCarryOver(int genuinePairs, double profileCorrelation, double topImpostorCarryOver) {
        /**
         * @param identity identity of each photo
         * @param sim      cosine of every pair of photos (symmetric, n x n)
         */
        public static ImpostorCarryOver of(int[] identity, double[][] sim) {
            int n = identity.length;
            int[] top = new int[n];
            for (int i = 0; i < n; i++) {
                top[i] = -1;
                for (int x = 0; x < n; x++) {
                    if (identity[x] != identity[i] && (top[i] < 0 || sim[i][x] > sim[i][top[i]])) {
                        top[i] = x;
                    }
                }
            }
            int pairs = 0;
            double correlationSum = 0;
            double topSelf = 0;
            double topMate = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    if (identity[i] != identity[j]) {
                        continue;
                    }
                    double r = profileCorrelation(identity, sim, i, j);
                    if (Double.isNaN(r)) {
                        continue;
                    }
                    pairs++;
                    correlationSum += r;
                    topSelf += sim[i][top[i]] + sim[j][top[j]];
                    topMate += sim[j][top[i]] + sim[i][top[j]];
                }
            }
            return pairs == 0 ? new ImpostorCarryOver(0, Double.NaN, Double.NaN)
                    : new ImpostorCarryOver(pairs, correlationSum / pairs, topMate / topSelf);
        }

        /** Pearson r of cos(i, x) and cos(j, x) over the photos x of other identities; NaN with fewer than 3. */
        private static double profileCorrelation(int[] identity, double[][] sim, int i, int j) {
            int count = 0;
            double si = 0, sj = 0, sii = 0, sjj = 0, sij = 0;
            for (int x = 0; x < identity.length; x++) {
                if (identity[x] == identity[i]) {
                    continue;
                }
                double a = sim[i][x], b = sim[j][x];
                count++;
                si += a;
                sj += b;
                sii += a * a;
                sjj += b * b;
                sij += a * b;
            }
            if (count < 3) {
                return Double.NaN;
            }
            double cov = sij / count - si / count * (sj / count);
            double vi = sii / count - si / count * (si / count);
            double vj = sjj / count - sj / count * (sj / count);
            return vi <= 0 || vj <= 0 ? Double.NaN : cov / Math.sqrt(vi * vj);
        }
    }

    /**
     * The evaluation result (plain numbers, strings, lists and maps; Gson-serialisable).
     *
     * @param failures       "identity/file: reason" for images without a usable face
     * @param separable      true when every genuine score exceeds every impostor score
     * @param suggestedThreshold midpoint of the gap when separable, else the EER threshold
     * @param fmrAtDefault   impostor pairs scoring >= the default threshold / all impostor pairs
     * @param fnmrAtDefault  genuine pairs scoring below the default threshold / all genuine pairs
     * @param groupFaces     faces found per photo in {@code _*} folders
     * @param carryOver      how much of a photo's similarity to unrelated faces its mates share (see
     *                       {@link ImpostorCarryOver}; for calibrating synthetic galleries)
     */
    public record Result(String model, int dim, String imagesDir, int identities, int images, int detected,
                         List<String> failures, Distribution genuine, Distribution impostor, double eer,
                         double eerThreshold, boolean separable, double suggestedThreshold, double defaultThreshold,
                         double fmrAtDefault, double fnmrAtDefault, int rank1Probes, int rank1Correct,
                         List<String> rank1Misses, double imagesPerSecond, double millisPerImage,
                         Map<String, Integer> groupFaces, ImpostorCarryOver carryOver) {
        public String toText() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "face eval  model=%s (dim %d)  dir=%s%n", model, dim, imagesDir));
            b.append(String.format(Locale.ROOT, "detection   %d/%d images of %d identities%n", detected, images, identities));
            for (String f : failures) {
                b.append("  failed: ").append(f).append('\n');
            }
            b.append(String.format(Locale.ROOT, "genuine     n=%d mean=%.3f sd=%.3f min=%.3f p5=%.3f median=%.3f max=%.3f%n",
                    genuine.count(), genuine.mean(), genuine.sd(), genuine.min(), genuine.p05(), genuine.median(),
                    genuine.max()));
            b.append(String.format(Locale.ROOT, "impostor    n=%d mean=%.3f sd=%.3f min=%.3f median=%.3f p95=%.3f max=%.3f%n",
                    impostor.count(), impostor.mean(), impostor.sd(), impostor.min(), impostor.median(), impostor.p95(),
                    impostor.max()));
            b.append(String.format(Locale.ROOT, "EER         %.4f at %.3f  (separable: %s, suggested threshold %.3f)%n",
                    eer, eerThreshold, separable, suggestedThreshold));
            b.append(String.format(Locale.ROOT, "threshold   %.3f: FMR %.4f (%d pairs), FNMR %.4f (%d pairs)%n",
                    defaultThreshold, fmrAtDefault, impostor.count(), fnmrAtDefault, genuine.count()));
            b.append(String.format(Locale.ROOT, "rank-1      %d/%d (leave-one-out)%n", rank1Correct, rank1Probes));
            for (String m : rank1Misses) {
                b.append("  miss: ").append(m).append('\n');
            }
            b.append(String.format(Locale.ROOT, "throughput  %.1f images/s (%.1f ms/image, detect+align+embed, 1 thread)%n",
                    imagesPerSecond, millisPerImage));
            groupFaces.forEach((k, v) -> b.append("  group ").append(k).append(": ").append(v).append(" faces\n"));
            b.append(String.format(Locale.ROOT, "carry-over  impostor profile r=%.3f over %d genuine pairs; a photo's top impostor is %.2f"
                    + " as similar to its mates (both = genuine cosine when sample noise spreads like identity)%n",
                    carryOver.profileCorrelation(), carryOver.genuinePairs(), carryOver.topImpostorCarryOver()));
            return b.toString();
        }
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: FaceEval <images-dir> [model-id]");
            System.exit(2);
        }
        FaceConfig c = FaceConfig.fromSystemProperties();
        if (args.length > 1) {
            c = c.withEmbedder(FaceModelSpec.named(args[1]));
        }
        System.out.print(evaluate(Path.of(args[0]), c).toText());
    }

    public static Result evaluate(Path imagesDir, FaceConfig config) {
        FaceAnalyzer analyzer = new FaceAnalyzer(config);
        List<Path> folders = FaceModality.identityFolders(imagesDir);
        List<String> labels = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        int images = 0;
        long nanos = 0;
        int timed = 0;
        boolean warm = false;
        for (Path dir : folders) {
            for (Path f : FaceModality.imageFiles(dir)) {
                images++;
                byte[] bytes = FaceModality.read(f);
                String name = dir.getFileName() + "/" + f.getFileName();
                if (!warm) { // first call loads and JIT-compiles; not counted
                    try {
                        analyzer.embedLargest(bytes);
                    } catch (EngineException ignored) {
                        // counted below
                    }
                    warm = true;
                }
                long t0 = System.nanoTime();
                try {
                    FaceEmbedding e = analyzer.embedLargest(bytes);
                    nanos += System.nanoTime() - t0;
                    timed++;
                    labels.add(dir.getFileName().toString());
                    names.add(name);
                    vectors.add(e.vector());
                } catch (EngineException e) {
                    failures.add(name + ": " + e.getMessage());
                }
            }
        }
        int n = vectors.size();
        double[][] sim = new double[n][n];
        List<Double> gen = new ArrayList<>();
        List<Double> imp = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double s = Embeddings.dot(vectors.get(i), vectors.get(j));
                sim[i][j] = sim[j][i] = s;
                (labels.get(i).equals(labels.get(j)) ? gen : imp).add(s);
            }
        }
        int probes = 0, correct = 0;
        List<String> misses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean hasMate = false;
            int best = -1;
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    continue;
                }
                hasMate |= labels.get(j).equals(labels.get(i));
                if (best < 0 || sim[i][j] > sim[i][best]) {
                    best = j;
                }
            }
            if (!hasMate) {
                continue;
            }
            probes++;
            if (labels.get(best).equals(labels.get(i))) {
                correct++;
            } else {
                misses.add(String.format(Locale.ROOT, "%s -> %s (%.3f)", names.get(i), names.get(best), sim[i][best]));
            }
        }
        double[] g = gen.stream().mapToDouble(Double::doubleValue).toArray();
        double[] im = imp.stream().mapToDouble(Double::doubleValue).toArray();
        double[] eer = eer(g, im);
        Distribution gd = Distribution.of(g), id = Distribution.of(im);
        boolean separable = g.length > 0 && im.length > 0 && gd.min() > id.max();
        double suggested = separable ? (gd.min() + id.max()) / 2 : eer[1];
        double t = config.embedder().threshold();
        double fmr = im.length == 0 ? Double.NaN : Arrays.stream(im).filter(s -> s >= t).count() / (double) im.length;
        double fnmr = g.length == 0 ? Double.NaN : Arrays.stream(g).filter(s -> s < t).count() / (double) g.length;

        Map<String, Integer> groups = new LinkedHashMap<>();
        try (var s = Files.list(imagesDir)) {
            for (Path dir : s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("_")).sorted().toList()) {
                for (Path f : FaceModality.imageFiles(dir)) {
                    groups.put(dir.getFileName() + "/" + f.getFileName(), analyzer.detect(FaceModality.read(f)).size());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        double ms = timed == 0 ? Double.NaN : nanos / 1e6 / timed;
        return new Result(config.embedder().id(), config.embedder().dim(), imagesDir.toString(), folders.size(), images,
                n, failures, gd, id, eer[0], eer[1], separable, suggested, t, fmr, fnmr, probes, correct, misses,
                1000.0 / ms, ms, groups, ImpostorCarryOver.of(identityNumbers(labels), sim));
    }

    private static int[] identityNumbers(List<String> labels) {
        Map<String, Integer> number = new LinkedHashMap<>();
        return labels.stream().mapToInt(l -> number.computeIfAbsent(l, k -> number.size())).toArray();
    }

    /** {EER, threshold}: the threshold among observed scores where FMR and FNMR are closest; 0 when separable. */
    static double[] eer(double[] genuine, double[] impostor) {
        if (genuine.length == 0 || impostor.length == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double[] g = genuine.clone(), im = impostor.clone();
        Arrays.sort(g);
        Arrays.sort(im);
        double[] all = new double[g.length + im.length];
        System.arraycopy(g, 0, all, 0, g.length);
        System.arraycopy(im, 0, all, g.length, im.length);
        Arrays.sort(all);
        double bestGap = Double.MAX_VALUE, bestEer = 1, bestT = Double.NaN;
        for (double t : all) {
            double fnmr = lowerCount(g, t) / (double) g.length;           // genuine < t
            double fmr = (im.length - lowerCount(im, t)) / (double) im.length; // impostor >= t
            double gap = Math.abs(fmr - fnmr);
            if (gap < bestGap) {
                bestGap = gap;
                bestEer = (fmr + fnmr) / 2;
                bestT = t;
            }
        }
        return new double[] {bestEer, bestT};
    }

    /** Number of values strictly below t in a sorted array. */
    private static int lowerCount(double[] sorted, double t) {
        int lo = 0, hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
