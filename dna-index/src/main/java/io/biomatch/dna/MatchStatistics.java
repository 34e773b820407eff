package io.biomatch.dna;

/**
 * Match probabilities of single-source genotypes and inclusion probabilities of mixtures, per locus.
 *
 * <p>Two θ (F<sub>ST</sub>) corrections, both from NRC II (National Research Council, <i>The Evaluation of Forensic
 * DNA Evidence</i>, 1996):
 * <ul>
 *   <li>{@link Formula#NRC2_4_10} (default), NRC II recommendation 4.10 / equations 4.10a-b, the Balding-Nichols
 *       conditional match probability given that the suspect has the genotype:
 *       homozygote {@code [2θ + (1−θ)p][3θ + (1−θ)p] / [(1+θ)(1+2θ)]},
 *       heterozygote {@code 2[θ + (1−θ)p][θ + (1−θ)q] / [(1+θ)(1+2θ)]}.</li>
 *   <li>{@link Formula#NRC2_4_1}, NRC II recommendation 4.1 (product rule with the homozygote correction of
 *       equation 4.4a): homozygote {@code p² + p(1−p)θ}, heterozygote {@code 2pq}.</li>
 * </ul>
 * A partial locus ("a/-": one allele seen, the other unknown) uses the NRC II "2p rule" (probability that a random
 * person carries allele a, bounded above): {@code min(1, 2p)}, no θ. A mixture locus uses the combined probability
 * of inclusion of a random person, {@code (Σ p_i)²} over the alleles seen (capped at 1), no θ.
 * All frequencies are floored at the table's minimum allele frequency first.
 */
public final class MatchStatistics {
    /** θ correction of single-source genotype match probabilities. */
    public enum Formula {
        /** NRC II recommendation 4.10 (Balding-Nichols conditional match probability). */
        NRC2_4_10,
        /** NRC II recommendation 4.1: p² + p(1−p)θ and 2pq. */
        NRC2_4_1
    }

    private MatchStatistics() {
    }

    /** Homozygote match probability. */
    public static double homozygote(double p, double theta, Formula f) {
        if (f == Formula.NRC2_4_1) {
            return p * p + p * (1 - p) * theta;
        }
        return (2 * theta + (1 - theta) * p) * (3 * theta + (1 - theta) * p) / ((1 + theta) * (1 + 2 * theta));
    }

    /** Heterozygote match probability. */
    public static double heterozygote(double p, double q, double theta, Formula f) {
        if (f == Formula.NRC2_4_1) {
            return 2 * p * q;
        }
        return 2 * (theta + (1 - theta) * p) * (theta + (1 - theta) * q) / ((1 + theta) * (1 + 2 * theta));
    }

    /** The "2p rule" for a partial locus. */
    public static double partial(double p) {
        return Math.min(1.0, 2 * p);
    }

    /** Combined probability of inclusion at a mixture locus: (Σ p)². */
    public static double inclusion(double sumOfFrequencies) {
        double s = Math.min(1.0, sumOfFrequencies);
        return s * s;
    }

    /**
     * Probability of the genotype (or, for a mixture, of inclusion) that profile {@code p} shows at locus
     * {@code l}.
     */
    public static double locusProbability(StrProfile p, int l, AlleleFrequencies freqs, double theta, Formula f) {
        int n = p.alleleCount(l);
        if (p.isMixture() || n > 2) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += freqs.frequency(l, p.allele(l, i));
            }
            return inclusion(s);
        }
        double a = freqs.frequency(l, p.allele(l, 0));
        if (n == 2) {
            return heterozygote(a, freqs.frequency(l, p.allele(l, 1)), theta, f);
        }
        return p.isPartial(l) ? partial(a) : homozygote(a, theta, f);
    }

    /**
     * The random match probability of profile {@code p} over the loci in {@code mask} (amelogenin never counts):
     * the product of the locus probabilities.
     */
    public static double randomMatchProbability(StrProfile p, int mask, AlleleFrequencies freqs, double theta,
                                                Formula f) {
        double log10 = 0;
        int m = mask & p.typedMask() & Loci.COMPARABLE_MASK;
        while (m != 0) {
            int l = Integer.numberOfTrailingZeros(m);
            m &= m - 1;
            log10 += Math.log10(locusProbability(p, l, freqs, theta, f));
        }
        return Math.pow(10, log10);
    }
}
