package io.biomatch.dna;

/**
 * The brute-force reference of a search, on plain {@link StrProfile} objects and the stringency rule on allele
 * sets, for tests and the evaluation: the packed kernel must give the same score (bit for bit: the same float
 * weights added in the same locus order) or the same NaN.
 */
public final class DnaReference {
    private DnaReference() {
    }

    /** Score of {@code candidate} against a prepared probe, NaN when it does not match. */
    public static float score(DnaProbe probe, StrProfile candidate) {
        DnaSearchOptions o = probe.options;
        if ((o.categoryMask() >>> candidate.category().ordinal() & 1) == 0) {
            return Float.NaN;
        }
        StrProfile p = probe.profile;
        int both = p.typedMask() & candidate.typedMask() & Loci.COMPARABLE_MASK;
        if (o.mode() == DnaSearchOptions.Mode.FAMILIAL) {
            return familial(probe, candidate, both & ~candidate.partialMask() & ~p.partialMask());
        }
        if (o.mode() == DnaSearchOptions.Mode.MIXTURE_LR) {
            if (candidate.contributors() != 1) {
                return Float.NaN;
            }
            float sum = 0f;
            for (int l = 0; l < Loci.COUNT; l++) {
                if ((both >>> l & 1) == 0 || candidate.isPartial(l)) {
                    continue;
                }
                int[] g = candidate.alleles(l);
                sum += MixtureLikelihood.tableValue(probe, l, g[0], g.length > 1 ? g[1] : g[0]);
            }
            return sum;
        }
        int compared = 0;
        int mismatches = 0;
        float sum = 0f;
        for (int l = 0; l < Loci.COUNT; l++) {
            if ((both >>> l & 1) == 0) {
                continue;
            }
            compared++;
            if (o.stringency().locusMatches(p.alleles(l), p.isPartial(l), candidate.alleles(l),
                    candidate.isPartial(l))) {
                sum += probe.weight[l];
            } else {
                mismatches++;
            }
        }
        if (mismatches > o.mismatches() || compared < o.minLoci()) {
            return Float.NaN;
        }
        return sum;
    }

    /** Familial: the closed form per locus in double precision, without the probe's tables (no mutation). */
    private static float familial(DnaProbe probe, StrProfile candidate, int both) {
        DnaSearchOptions o = probe.options;
        if (candidate.contributors() != 1 || Integer.bitCount(both) < o.minLoci()) {
            return Float.NaN;
        }
        AlleleFrequencies f = probe.frequencies;
        double lr = 1;
        for (int l = 0; l < Loci.COUNT; l++) {
            if ((both >>> l & 1) == 0) {
                continue;
            }
            int[] g = candidate.alleles(l);
            lr *= Familial.referenceLocusLr(probe.profile, l, g[0], g[g.length - 1], o.relation(), o.theta(), f);
        }
        return lr == 0 ? Float.NaN : (float) Math.log10(lr);
    }
}
