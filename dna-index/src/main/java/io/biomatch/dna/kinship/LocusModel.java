package io.biomatch.dna.kinship;

/**
 * The allele space of one locus as the likelihood sees it: {@code n} allele classes with founder probabilities and
 * male and female transmission (mutation) matrices. A class is one allele of the frequency table, or, after
 * lumping, the class "every allele not observed in this computation" (exact for the likelihood when the mutation
 * matrix is lumpable, which none, equal and proportional are and stepwise is in general not).
 */
final class LocusModel {
    final int n;
    final double[] prior;
    final double[][] male;
    final double[][] female;
    /** Class of each table allele. */
    final int[] classOf;
    /** True when classes are the table's alleles one to one. */
    final boolean full;

    private LocusModel(int n, double[] prior, double[][] male, double[][] female, int[] classOf, boolean full) {
        this.n = n;
        this.prior = prior;
        this.male = male;
        this.female = female;
        this.classOf = classOf;
        this.full = full;
    }

    /** Full allele space of a locus. */
    static LocusModel full(FrequencyTable.Locus locus, MutationModel maleModel, MutationModel femaleModel) {
        double[] p = normalised(locus.frequencies());
        int[] cls = new int[p.length];
        for (int i = 0; i < cls.length; i++) {
            cls[i] = i;
        }
        double[][] mm = maleModel.matrix(locus.name(), p, locus.values);
        double[][] ff = femaleModel.equals(maleModel) ? mm : femaleModel.matrix(locus.name(), p, locus.values);
        return new LocusModel(p.length, p, mm, ff, cls, true);
    }

    /**
     * Lumped space: every allele in {@code observed} keeps its own class (in the order of the table), all others
     * share one last class. Returns the full model when there is nothing to lump or the matrices are not lumpable.
     */
    static LocusModel lumped(FrequencyTable.Locus locus, boolean[] observed, MutationModel maleModel,
                             MutationModel femaleModel, double[][] fullMale, double[][] fullFemale) {
        int nAll = locus.size();
        int kept = 0;
        for (int i = 0; i < nAll; i++) {
            if (observed[i]) {
                kept++;
            }
        }
        if (kept >= nAll - 1) {
            return fullFrom(locus, fullMale, fullFemale);
        }
        int[] cls = new int[nAll];
        int c = 0;
        for (int i = 0; i < nAll; i++) {
            cls[i] = observed[i] ? c++ : kept;
        }
        int n = kept + 1;
        double[] prior = new double[n];
        double[] p = normalised(locus.frequencies());
        for (int i = 0; i < nAll; i++) {
            prior[cls[i]] += p[i];
        }
        double[][] mm = lump(fullMale, cls, n, maleModel);
        if (mm == null) {
            return fullFrom(locus, fullMale, fullFemale);
        }
        double[][] ff = fullFemale == fullMale ? mm : lump(fullFemale, cls, n, femaleModel);
        if (ff == null) {
            return fullFrom(locus, fullMale, fullFemale);
        }
        return new LocusModel(n, prior, mm, ff, cls, false);
    }

    /**
     * Founder frequencies scaled to sum to 1 (tables often sum to 0.99..1.01, and an allele added with the minimum
     * frequency raises the sum): untyped founders must sum out to exactly 1.
     */
    static double[] normalised(double[] p) {
        double s = 0;
        for (double x : p) {
            s += x;
        }
        double[] out = p.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] /= s;
        }
        return out;
    }

    private static LocusModel fullFrom(FrequencyTable.Locus locus, double[][] mm, double[][] ff) {
        double[] p = normalised(locus.frequencies());
        int[] cls = new int[p.length];
        for (int i = 0; i < cls.length; i++) {
            cls[i] = i;
        }
        return new LocusModel(p.length, p, mm, ff, cls, true);
    }

    /** Lumps a matrix; null when it is not lumpable for this partition. */
    private static double[][] lump(double[][] m, int[] cls, int n, MutationModel model) {
        int nAll = cls.length;
        double[][] out = new double[n][n];
        if (model.isNone()) {
            for (int i = 0; i < n; i++) {
                out[i][i] = 1;
            }
            return out;
        }
        boolean[] seen = new boolean[n];
        double[] row = new double[n];
        for (int i = 0; i < nAll; i++) {
            java.util.Arrays.fill(row, 0);
            for (int j = 0; j < nAll; j++) {
                row[cls[j]] += m[i][j];
            }
            int ci = cls[i];
            if (!seen[ci]) {
                seen[ci] = true;
                System.arraycopy(row, 0, out[ci], 0, n);
            } else {
                for (int j = 0; j < n; j++) {
                    if (Math.abs(out[ci][j] - row[j]) > 1e-12 * Math.max(1, Math.abs(row[j]))) {
                        return null;
                    }
                }
            }
        }
        return out;
    }
}
