package io.biomatch.dna;

import io.biomatch.core.spi.Modality;
import io.biomatch.dna.kinship.MutationModel;
import java.util.Locale;

/**
 * Familial search ({@code mode=familial}): the kinship likelihood ratio of a database profile against the probe,
 * LR = P(probe, candidate | related) / P(probe, candidate | unrelated), for one relationship.
 *
 * <p>Closed form per locus with the IBD coefficients (k0, k1, k2) of the relationship — parent–child (0, 1, 0),
 * full siblings (1/4, 1/2, 1/4), half siblings (1/2, 1/2, 0) — and Balding–Nichols θ conditioned on the probe's two
 * alleles. With n<sub>x</sub> the number of copies of allele x in the probe (0, 1, 2), p<sub>x</sub> its frequency and
 * P(x) = (n<sub>x</sub>θ + (1−θ)p<sub>x</sub>) / (1+θ) the chance that the next founder allele is x:
 * <pre>
 *   LR(c/d, c != d) = k0 + (1+2θ)/(1+θ) · k1 · [S(c) / 4P(c) + S(d) / 4P(d)] + k2 · [c/d = probe] / P0(probe)
 *   LR(c/c)         = k0 + k1 · S(c) (1+2θ) / (2 ((n_c+1)θ + (1−θ)p_c))       + k2 · [c/c = probe] / P0(probe)
 *   P0(a/b) = 2 (θ+(1−θ)p_a)(θ+(1−θ)p_b) / ((1+θ)(1+2θ)),  P0(a/a) = (2θ+(1−θ)p_a)(3θ+(1−θ)p_a) / ((1+θ)(1+2θ))
 * </pre>
 * where S(x) = Σ over the probe's two alleles t of M(t, x): the number of copies n<sub>x</sub> without mutation, and
 * with a mutation model (parent–child only) the chance that a transmitted probe allele arrives as x — the probe is
 * then taken as the parent and the candidate as the child, and only the probe's transmission mutates (the other
 * parent's allele is a draw from the population, as in the usual paternity index with mutation; a pedigree that also
 * mutates the other parent's transmission differs by the factor (pM)<sub>x</sub>/p<sub>x</sub> of that allele,
 * about 0.1 % at rate 0.005). The frequency of an allele the probe does not carry
 * cancels, so the terms are exact. These are the likelihoods of the pedigrees of {@code io.biomatch.dna.kinship}
 * (the tests check them against its exact peeling). Loci where either profile is partial ("a/-") count LR 1.
 *
 * <p>Tables built once per search ({@link #fill}): {@code het[l*256+x]} = the k1 term of allele x in a heterozygous
 * candidate, {@code hom[l*256+x]} = k0 + the k1 term of the homozygote x/x, {@code ibd2[l]} = k2 / P0(probe), and
 * the probe's allele word per locus. The kernel multiplies the per-locus LRs and returns log10 of the product.
 */
public final class Familial {
    /** The relationship tested, with its IBD coefficients. */
    public enum Relation {
        PARENT_CHILD("parent-child", 0, 1, 0),
        FULL_SIBLING("full-sibling", 0.25, 0.5, 0.25),
        HALF_SIBLING("half-sibling", 0.5, 0.5, 0);

        public final String label;
        public final double k0;
        public final double k1;
        public final double k2;

        Relation(String label, double k0, double k1, double k2) {
            this.label = label;
            this.k0 = k0;
            this.k1 = k1;
            this.k2 = k2;
        }

        public static Relation parse(String s) {
            String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            return switch (t) {
                case "parent-child", "parent", "child", "pc", "paternity" -> PARENT_CHILD;
                case "full-sibling", "full-sib", "sibling", "fs", "full-siblings", "siblings" -> FULL_SIBLING;
                case "half-sibling", "half-sib", "hs", "half-siblings" -> HALF_SIBLING;
                default -> throw Modality.invalid("option relation must be parent-child, full-sibling or half-sibling");
            };
        }
    }

    /** Default threshold of familial searches: log10 LR 4 (LR 10,000). */
    public static final float DEFAULT_THRESHOLD_LOG10_LR = 4f;

    private Familial() {
    }

    /** The loci a familial probe compares: fully typed single-source loci (partial loci count LR 1). */
    static int probeMask(StrProfile p) {
        if (p.isMixture()) {
            throw Modality.invalid("familial search needs a single-source probe (this one declares "
                    + p.contributors() + " contributors)");
        }
        return p.typedMask() & ~p.partialMask() & Loci.COMPARABLE_MASK;
    }

    /** Fills the probe's familial tables. */
    static void fill(DnaProbe probe, AlleleFrequencies freqs) {
        DnaSearchOptions o = probe.options;
        Relation rel = o.relation();
        double theta = o.theta();
        MutationModel mut = rel == Relation.PARENT_CHILD ? o.mutation() : MutationModel.NONE;
        int m = probe.lociMask;
        while (m != 0) {
            int l = Integer.numberOfTrailingZeros(m);
            m &= m - 1;
            StrProfile p = probe.profile;
            int a = p.allele(l, 0);
            int b = p.alleleCount(l) > 1 ? p.allele(l, 1) : a;
            probe.kinWord[l] = DnaSlotLayout.alleleWord(p, l);
            double[] s = transmission(l, a, b, mut, freqs);
            for (int x = 1; x < 256; x++) {
                double sx = s[x];
                if (sx == 0) {
                    probe.kinHom[l << 8 | x] = (float) rel.k0;
                    continue;
                }
                int nx = (x == a ? 1 : 0) + (x == b ? 1 : 0);
                double px = freqs.frequency(l, x);
                double pNext = (nx * theta + (1 - theta) * px) / (1 + theta);
                probe.kinHet[l << 8 | x] = (float) (rel.k1 * (1 + 2 * theta) / (1 + theta) * sx / (4 * pNext));
                probe.kinHom[l << 8 | x] = (float) (rel.k0
                        + rel.k1 * sx * (1 + 2 * theta) / (2 * ((nx + 1) * theta + (1 - theta) * px)));
            }
            double pa = freqs.frequency(l, a);
            double pb = freqs.frequency(l, b);
            double p0 = a == b
                    ? (2 * theta + (1 - theta) * pa) * (3 * theta + (1 - theta) * pa) / ((1 + theta) * (1 + 2 * theta))
                    : 2 * (theta + (1 - theta) * pa) * (theta + (1 - theta) * pb) / ((1 + theta) * (1 + 2 * theta));
            probe.kinIbd2[l] = (float) (rel.k2 / p0);
        }
    }

    /**
     * S(x) for every code x: Σ over the probe's alleles t ∈ {a, b} of M(t, x). Without mutation the copy count.
     * With mutation the matrix is built over the table's listed alleles at the locus plus the probe's alleles.
     */
    private static double[] transmission(int l, int a, int b, MutationModel mut, AlleleFrequencies freqs) {
        double[] s = new double[256];
        if (mut.isNone()) {
            s[a] += 1;
            s[b] += 1;
            return s;
        }
        int[] listed = freqs.listedAlleles(l);
        int[] codes = java.util.stream.IntStream.concat(java.util.Arrays.stream(listed), java.util.stream.IntStream.of(a, b))
                .distinct().sorted().toArray();
        double[] f = new double[codes.length];
        double[] v = new double[codes.length];
        int ia = -1;
        int ib = -1;
        for (int i = 0; i < codes.length; i++) {
            f[i] = freqs.frequency(l, codes[i]);
            v[i] = Allele.isNumeric(codes[i]) ? Double.parseDouble(Allele.format(codes[i])) : Double.NaN;
            if (codes[i] == a) {
                ia = i;
            }
            if (codes[i] == b) {
                ib = i;
            }
        }
        double[][] mm = mut.matrix(f, v);
        for (int i = 0; i < codes.length; i++) {
            s[codes[i]] = mm[ia][i] + mm[ib][i];
        }
        return s;
    }

    /**
     * The per-locus LR of a candidate allele word {@code w} (ascending codes, a homozygote as one code) from the
     * probe's tables; the kernel's arithmetic.
     */
    static double locusLr(DnaProbe p, int l, int w) {
        int a = w & 0xFF;
        int b = w >>> 8 & 0xFF;
        double x = b == 0 ? p.kinHom[l << 8 | a] : p.kinK0 + p.kinHet[l << 8 | a] + p.kinHet[l << 8 | b];
        return w == p.kinWord[l] ? x + p.kinIbd2[l] : x;
    }

    /**
     * The closed form computed directly (double precision, no tables): reference for tests. {@code c}, {@code d} are
     * the candidate's alleles (c == d for a homozygote).
     */
    public static double referenceLocusLr(StrProfile probe, int l, int c, int d, Relation rel, double theta,
                                          AlleleFrequencies freqs) {
        int a = probe.allele(l, 0);
        int b = probe.alleleCount(l) > 1 ? probe.allele(l, 1) : a;
        double pa = freqs.frequency(l, a);
        double pb = freqs.frequency(l, b);
        double p0probe = a == b
                ? (2 * theta + (1 - theta) * pa) * (3 * theta + (1 - theta) * pa) / ((1 + theta) * (1 + 2 * theta))
                : 2 * (theta + (1 - theta) * pa) * (theta + (1 - theta) * pb) / ((1 + theta) * (1 + 2 * theta));
        int nc = (c == a ? 1 : 0) + (c == b ? 1 : 0);
        int nd = (d == a ? 1 : 0) + (d == b ? 1 : 0);
        double pc = freqs.frequency(l, c);
        double pd = freqs.frequency(l, d);
        // conditional probabilities of the candidate given the probe, unrelated (P0) and one allele IBD (P1)
        double nextC = (nc * theta + (1 - theta) * pc) / (1 + theta);
        double nextD = (nd * theta + (1 - theta) * pd) / (1 + theta);
        double p0;
        double p1;
        if (c == d) {
            p0 = nextC * ((nc + 1) * theta + (1 - theta) * pc) / (1 + 2 * theta);
            p1 = nc / 2.0 * nextC;
        } else {
            p0 = 2 * nextC * (nd * theta + (1 - theta) * pd) / (1 + 2 * theta);
            p1 = nc / 2.0 * nextD + nd / 2.0 * nextC;
        }
        boolean same = Math.min(c, d) == Math.min(a, b) && Math.max(c, d) == Math.max(a, b);
        return rel.k0 + rel.k1 * p1 / p0 + (same ? rel.k2 / p0probe : 0);
    }
}
