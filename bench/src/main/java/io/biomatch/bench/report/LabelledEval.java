package io.biomatch.bench.report;

import io.biomatch.core.EngineException;
import io.biomatch.core.Payload;
import io.biomatch.core.spi.Modality;
import io.biomatch.core.spi.ScoreMeaning;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Verification and identification accuracy of any modality on a labelled set, through the modality SPI
 * only (extract, prepare, compare), so it works on any data laid out as identities with several samples.
 *
 * <p>Every sample is enrolled and also used as a probe; ordered pairs (i, j), i != j, are genuine when
 * both samples carry the same label and impostor otherwise. Identification is leave-one-out: each probe
 * against all other samples; its rank is that of the first sample of its own identity (probes whose
 * identity has no other sample are left out). A score that is NaN (no match, e.g. DNA stringency) counts
 * below every threshold. Samples whose template cannot be extracted are failures to enrol (FTE).
 */
public final class LabelledEval {
    private LabelledEval() {
    }

    /** One sample. */
    public record Sample(String label, String name, List<Payload> payloads) {
    }

    /** A data set of one modality. */
    public record Set(String modality, String title, List<Sample> samples, Map<String, String> options) {
    }

    /** Threshold and the error rates there. */
    public record Operating(String what, double threshold, double fmr, double fnmr) {
    }

    public record Result(String modality, String title, int samples, int identities, int failedToEnrol,
                         List<String> failedNames, int genuinePairs, int impostorPairs, double eer,
                         double eerThreshold, List<Operating> operatingPoints, double[] cmc, int probes,
                         ScoreMeaning scoreMeaning, double extractMillisPerSample, double comparisonsPerSecond,
                         float[] genuine, float[] impostor) {
        double rank1() {
            return cmc.length == 0 ? Double.NaN : cmc[0];
        }
    }

    public static Result run(Modality<?> m, Set set, int maxRank) {
        return runTyped(m, set, maxRank);
    }

    private static <P> Result runTyped(Modality<P> m, Set set, int maxRank) {
        List<Sample> ok = new ArrayList<>();
        List<byte[]> templates = new ArrayList<>();
        List<P> probes = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        long t0 = System.nanoTime();
        for (Sample s : set.samples()) {
            try {
                byte[] t = m.extractTemplate(s.payloads());
                P p = m.prepareProbe(s.payloads(), set.options());
                ok.add(s);
                templates.add(t);
                probes.add(p);
            } catch (EngineException e) {
                failed.add(s.name() + ": " + e.getMessage());
            }
        }
        double extractMs = (System.nanoTime() - t0) / 1e6 / Math.max(1, set.samples().size());
        int n = ok.size();
        float[][] score = new float[n][n];
        long t1 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    float s = m.compare(probes.get(i), templates.get(j));
                    score[i][j] = Float.isNaN(s) ? Float.NEGATIVE_INFINITY : s;
                }
            }
        }
        double cps = (double) n * (n - 1) / ((System.nanoTime() - t1) / 1e9);
        FloatList genuine = new FloatList();
        FloatList impostor = new FloatList();
        int[] rankCounts = new int[maxRank];
        int rankedProbes = 0;
        for (int i = 0; i < n; i++) {
            boolean hasMate = false;
            float bestMate = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (i == j) {
                    continue;
                }
                boolean same = ok.get(i).label().equals(ok.get(j).label());
                (same ? genuine : impostor).add(score[i][j]);
                if (same) {
                    hasMate = true;
                    bestMate = Math.max(bestMate, score[i][j]);
                }
            }
            if (!hasMate) {
                continue;
            }
            rankedProbes++;
            int better = 0; // non-mates scoring strictly above the best mate (ties go to the mate)
            for (int j = 0; j < n; j++) {
                if (j != i && !ok.get(i).label().equals(ok.get(j).label()) && score[i][j] > bestMate) {
                    better++;
                }
            }
            for (int r = better; r < maxRank; r++) {
                rankCounts[r]++;
            }
        }
        double[] cmc = new double[maxRank];
        for (int r = 0; r < maxRank; r++) {
            cmc[r] = rankedProbes == 0 ? Double.NaN : (double) rankCounts[r] / rankedProbes;
        }
        float[] g = genuine.sorted();
        float[] im = impostor.sorted();
        double[] eer = eer(g, im);
        List<Operating> ops = new ArrayList<>();
        ScoreMeaning meaning = m.scoreMeaning();
        ops.add(new Operating("default threshold (" + meaning.thresholdMeaning() + ")", meaning.defaultThreshold(),
                fmr(im, meaning.defaultThreshold()), fnmr(g, meaning.defaultThreshold())));
        for (double target : new double[] {1e-2, 1e-3, 1e-4}) {
            double t = thresholdForFmr(im, target);
            ops.add(new Operating("FMR <= " + target, t, fmr(im, t), fnmr(g, t)));
        }
        long identities = ok.stream().map(Sample::label).distinct().count();
        return new Result(m.name(), set.title(), set.samples().size(), (int) identities, failed.size(), failed,
                g.length, im.length, eer[0], eer[1], ops, cmc, rankedProbes, meaning, extractMs, cps, g, im);
    }

    /** Fraction of impostor scores at or above t. */
    static double fmr(float[] impostorSorted, double t) {
        return impostorSorted.length == 0 ? Double.NaN
                : (double) (impostorSorted.length - lowerBound(impostorSorted, t)) / impostorSorted.length;
    }

    /** Fraction of genuine scores below t. */
    static double fnmr(float[] genuineSorted, double t) {
        return genuineSorted.length == 0 ? Double.NaN : (double) lowerBound(genuineSorted, t) / genuineSorted.length;
    }

    /** The lowest threshold (among observed impostor scores, or just above the highest) with FMR <= target. */
    static double thresholdForFmr(float[] impostorSorted, double target) {
        int n = impostorSorted.length;
        if (n == 0) {
            return Double.NaN;
        }
        int allowed = (int) Math.floor(target * n); // impostors that may be at or above the threshold
        if (allowed >= n) {
            return impostorSorted[0];
        }
        float above = impostorSorted[n - 1 - allowed];
        return Math.nextUp(above);
    }

    /** {EER, threshold}: where FMR and FNMR cross, scanning observed scores. */
    static double[] eer(float[] g, float[] im) {
        if (g.length == 0 || im.length == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        float[] all = new float[g.length + im.length];
        System.arraycopy(g, 0, all, 0, g.length);
        System.arraycopy(im, 0, all, g.length, im.length);
        Arrays.sort(all);
        double best = Double.MAX_VALUE;
        double bestT = Double.NaN;
        double eer = Double.NaN;
        for (float t : all) {
            if (Float.isInfinite(t)) {
                continue;
            }
            double a = fmr(im, t);
            double b = fnmr(g, t);
            if (Math.abs(a - b) < best) {
                best = Math.abs(a - b);
                bestT = t;
                eer = (a + b) / 2;
            }
        }
        return new double[] {eer, bestT};
    }

    /** Index of the first element >= t. */
    static int lowerBound(float[] a, double t) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static final class FloatList {
        private float[] a = new float[256];
        private int n;

        void add(float v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        float[] sorted() {
            float[] r = Arrays.copyOf(a, n);
            Arrays.sort(r);
            return r;
        }
    }
}
