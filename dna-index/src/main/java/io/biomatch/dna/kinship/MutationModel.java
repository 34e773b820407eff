package io.biomatch.dna.kinship;

import io.biomatch.core.spi.Modality;
import java.util.Locale;

/**
 * A per-transmission allele mutation model, as in the R package pedmut and Familias.
 *
 * <ul>
 *   <li>{@code none}: identity.</li>
 *   <li>{@code equal}, rate r: stay 1 - r, each other allele r / (n - 1).</li>
 *   <li>{@code proportional}, rate r: a = r / sum p_k (1 - p_k); M = (1 - a) I + a 1 p^T.</li>
 *   <li>{@code stepwise} (Familias "extended stepwise"), rate, rate2, range: alleles grouped by fractional part; in
 *       the own group M[i][j] is proportional to range^|x_i - x_j| with off-diagonal sum rate; each allele of another
 *       group gets rate2 / (number of alleles in other groups); the diagonal takes the rest.</li>
 * </ul>
 *
 * @param kind  none, equal, proportional or stepwise
 * @param rate  total mutation rate (per transmission)
 * @param rate2 stepwise only: rate of mutation to an allele of another fractional group
 * @param range stepwise only: ratio between the probabilities of a k+1 and a k step mutation
 */
public record MutationModel(Kind kind, double rate, double rate2, double range) {
    public enum Kind { NONE, EQUAL, PROPORTIONAL, STEPWISE }

    public static final MutationModel NONE = new MutationModel(Kind.NONE, 0, 0, 0);

    public MutationModel {
        if (kind == null) {
            throw Modality.invalid("mutation model kind is missing");
        }
        if (!(rate >= 0 && rate < 1) || !(rate2 >= 0 && rate + rate2 < 1)) {
            throw Modality.invalid("mutation rates must satisfy 0 <= rate, rate2 and rate + rate2 < 1");
        }
        if (kind == Kind.STEPWISE && !(range > 0 && range < 1)) {
            throw Modality.invalid("stepwise mutation range must be in (0, 1)");
        }
        if (kind == Kind.NONE || (rate == 0 && rate2 == 0)) {
            kind = Kind.NONE;
            rate = 0;
            rate2 = 0;
        }
    }

    /** Parses a model name and its parameters; "NA" or blank parameters count as 0 (range: 0.1). */
    public static MutationModel parse(String model, String rate, String rate2, String range) {
        String m = model == null ? "none" : model.trim().toLowerCase(Locale.ROOT);
        Kind kind = switch (m) {
            case "", "none", "na", "trivial" -> Kind.NONE;
            case "equal" -> Kind.EQUAL;
            case "proportional" -> Kind.PROPORTIONAL;
            case "stepwise", "extended stepwise", "extendedstepwise", "onestep" -> Kind.STEPWISE;
            default -> throw Modality.invalid("unknown mutation model '" + clip(m) + "': use none, equal, proportional or stepwise");
        };
        double r2 = number(rate2, 0);
        double g = number(range, 0.1);
        return new MutationModel(kind, number(rate, 0), kind == Kind.STEPWISE ? r2 : 0, kind == Kind.STEPWISE ? g : 0.1);
    }

    private static double number(String s, double dflt) {
        if (s == null || s.isBlank() || s.trim().equalsIgnoreCase("NA")) {
            return dflt;
        }
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw Modality.invalid("malformed mutation parameter '" + clip(s) + "'");
        }
    }

    static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    public boolean isNone() {
        return kind == Kind.NONE;
    }

    /**
     * True when, for alleles unobserved in a family, the identity of an allele within the "other" class is
     * distributed in proportion to the frequencies whatever the family data (none and proportional): then a target's
     * distribution computed with lumped alleles expands exactly to every allele.
     */
    boolean expandsProportionally() {
        return kind == Kind.NONE || kind == Kind.PROPORTIONAL;
    }

    /**
     * The full mutation matrix over the alleles of one locus. {@code values} are the numeric allele designations
     * (NaN when not numeric) used by the stepwise model. Rows are made to sum to 1 by the diagonal.
     */
    public double[][] matrix(double[] freqs, double[] values) {
        return matrix(null, freqs, values);
    }

    /**
     * As {@link #matrix(double[], double[])}; {@code locus} names the locus in the error when the rate is too high for
     * the frequencies there (proportional model).
     */
    public double[][] matrix(String locus, double[] freqs, double[] values) {
        int n = freqs.length;
        double[][] m = new double[n][n];
        switch (kind) {
            case NONE -> {
                for (int i = 0; i < n; i++) {
                    m[i][i] = 1;
                }
                return m;
            }
            case EQUAL -> {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        m[i][j] = i == j ? 1 - rate : (n > 1 ? rate / (n - 1) : 0);
                    }
                }
            }
            case PROPORTIONAL -> {
                double s = 0;
                double tot = 0;
                for (double p : freqs) {
                    tot += p;
                }
                for (double p : freqs) {
                    s += (p / tot) * (1 - p / tot);
                }
                double a = s > 0 ? rate / s : 0;
                // The diagonal 1 - a (1 - p_i) must stay >= 0 for every allele, i.e. rate <= s / (1 - min p): above it
                // the "probabilities" go negative and so can the likelihoods. pedmut refuses such rates the same way.
                double pmin = Double.POSITIVE_INFINITY;
                for (double p : freqs) {
                    pmin = Math.min(pmin, p / tot);
                }
                double max = n > 1 ? s / (1 - pmin) : 1;
                if (rate > max * (1 + 1e-12)) {
                    throw Modality.invalid(String.format(Locale.ROOT, "proportional mutation rate %s is too high for"
                            + " the allele frequencies at locus %s (at most %.6g there)", rate,
                            locus == null ? "?" : clip(locus), max));
                }
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        m[i][j] = a * freqs[j] / tot;
                    }
                }
            }
            case STEPWISE -> {
                long[] group = new long[n];
                for (int i = 0; i < n; i++) {
                    double x = values[i];
                    group[i] = Double.isNaN(x) ? Long.MIN_VALUE + i : Math.round(10 * (x - Math.round(x)));
                }
                for (int i = 0; i < n; i++) {
                    int own = 0;
                    int other = 0;
                    // Weights are taken relative to the nearest allele of the own group: range^|d| itself underflows
                    // to 0 for every allele when this one is far from all others (range 0.1, |d| > 323, e.g. a typo
                    // "400" at vWA), which made the row 0/0 = NaN. Scaling by range^-dmin leaves the ratios (and so
                    // the matrix) unchanged and keeps the sum >= 1.
                    double dmin = Double.POSITIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        if (j != i && group[j] == group[i]) {
                            dmin = Math.min(dmin, Math.abs(values[i] - values[j]));
                        }
                    }
                    double wsum = 0;
                    for (int j = 0; j < n; j++) {
                        if (j == i) {
                            continue;
                        }
                        if (group[j] == group[i]) {
                            own++;
                            wsum += Math.pow(range, Math.abs(values[i] - values[j]) - dmin);
                        } else {
                            other++;
                        }
                    }
                    for (int j = 0; j < n; j++) {
                        if (j == i) {
                            continue;
                        }
                        if (group[j] == group[i]) {
                            m[i][j] = rate * Math.pow(range, Math.abs(values[i] - values[j]) - dmin) / wsum;
                        } else {
                            m[i][j] = rate2 / other;
                        }
                    }
                    if (own == 0 && other == 0) {
                        m[i][i] = 1;
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            double off = 0;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    off += m[i][j];
                }
            }
            // at the largest allowed proportional rate rounding may leave -1e-17
            m[i][i] = Math.max(0, 1 - off);
        }
        return m;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "none";
            case EQUAL, PROPORTIONAL -> kind.name().toLowerCase(Locale.ROOT) + "(rate " + rate + ")";
            case STEPWISE -> "stepwise(rate " + rate + ", rate2 " + rate2 + ", range " + range + ")";
        };
    }
}
