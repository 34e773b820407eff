package io.biomatch.dna;

import java.util.Arrays;

/**
 * A prepared DNA search: the probe profile turned into per-locus look-up tables, built once per search and
 * shared read-only by all shard workers.
 *
 * <ul>
 *   <li>{@code member[l * 256 + code]} = 1 when the probe shows allele {@code code} at locus {@code l}
 *       (entry 0 is always 0, so padding bytes count nothing);</li>
 *   <li>{@code accept[l << 7 | candidatePartial << 6 | k << 3 | nc]} = 1 when the stringency rule accepts a
 *       candidate locus with {@code k} shared and {@code nc} own alleles;</li>
 *   <li>{@code weight[l]}: what a matching locus adds to the score (log10 of 1 / locus match probability, or 1
 *       for {@code score=loci});</li>
 *   <li>mixture-lr: {@code mixIndex[l * 256 + code]} maps a candidate allele to its evidence-allele index
 *       (0..m-1) or m (any other allele, "Q"), and {@code mixLog10Lr[l * 81 + i * 9 + j]} is log10 LR of the
 *       candidate genotype (i, j) at that locus.</li>
 *   <li>familial: {@code kinHet}, {@code kinHom}, {@code kinIbd2}, {@code kinWord} ({@link Familial}).</li>
 * </ul>
 */
public final class DnaProbe {
    static final int MIX_STRIDE = 9; // up to 8 evidence alleles + Q

    final StrProfile profile;
    /** mixture-lr: known contributors, present under both hypotheses (e.g. the victim of a sexual assault). */
    final java.util.List<StrProfile> knowns;
    final AlleleFrequencies frequencies;
    final DnaSearchOptions options;
    final int lociMask;
    final byte[] member = new byte[Loci.MAX * 256];
    final byte[] accept = new byte[Loci.MAX * 128];
    final float[] weight = new float[Loci.MAX];
    final byte[] mixIndex;
    final float[] mixLog10Lr;
    /** Familial search tables ({@link Familial}); null in other modes. */
    final float[] kinHet;
    final float[] kinHom;
    final float[] kinIbd2;
    final int[] kinWord;
    final float kinK0;

    DnaProbe(StrProfile profile, DnaSearchOptions options, AlleleFrequencies freqs) {
        this(profile, java.util.List.of(), options, freqs);
    }

    /**
     * @param knowns mixture-lr only: single-source profiles of known contributors; loci where one of them is untyped
     *               or partial are left out of the search (as SmartRank does)
     */
    DnaProbe(StrProfile profile, java.util.List<StrProfile> knowns, DnaSearchOptions options, AlleleFrequencies freqs) {
        this.profile = profile;
        this.knowns = java.util.List.copyOf(knowns);
        this.frequencies = freqs;
        this.options = options;
        boolean familial = options.mode() == DnaSearchOptions.Mode.FAMILIAL;
        int mask = familial ? Familial.probeMask(profile) : profile.typedMask() & Loci.COMPARABLE_MASK;
        for (StrProfile k : this.knowns) {
            mask &= k.typedMask() & ~k.partialMask();
        }
        if (!this.knowns.isEmpty() && mask == 0) {
            throw io.biomatch.core.spi.Modality.invalid("no locus is typed in the mixture and in every known contributor");
        }
        if (freqs != null && options.scoreLr()) {
            int m = mask;
            while (m != 0) {
                int l = Integer.numberOfTrailingZeros(m);
                m &= m - 1;
                if (!freqs.hasLocus(l)) {
                    throw io.biomatch.core.spi.Modality.invalid("no allele frequencies for locus " + Loci.name(l)
                            + " in " + freqs.source() + "; drop the locus or configure another table");
                }
            }
        }
        this.lociMask = mask;
        int m = mask;
        while (m != 0) {
            int l = Integer.numberOfTrailingZeros(m);
            m &= m - 1;
            int np = profile.alleleCount(l);
            for (int i = 0; i < np; i++) {
                member[l * 256 + profile.allele(l, i)] = 1;
            }
            boolean pp = profile.isPartial(l);
            for (int cp = 0; cp < 2; cp++) {
                for (int k = 0; k <= 4; k++) {
                    for (int nc = 1; nc <= 4; nc++) {
                        if (k <= nc && k <= np && options.stringency().matches(k, np, nc, pp, cp == 1)) {
                            accept[l << 7 | cp << 6 | k << 3 | nc] = 1;
                        }
                    }
                }
            }
            weight[l] = options.scoreLr()
                    ? (float) -Math.log10(MatchStatistics.locusProbability(profile, l, freqs, options.theta(),
                    options.formula()))
                    : 1f;
        }
        if (options.mode() == DnaSearchOptions.Mode.MIXTURE_LR) {
            mixIndex = new byte[Loci.MAX * 256];
            mixLog10Lr = new float[Loci.MAX * MIX_STRIDE * MIX_STRIDE];
            MixtureLikelihood.fillTables(this, freqs);
        } else {
            mixIndex = null;
            mixLog10Lr = null;
        }
        if (familial) {
            kinHet = new float[Loci.MAX * 256];
            kinHom = new float[Loci.MAX * 256];
            kinIbd2 = new float[Loci.MAX];
            kinWord = new int[Loci.MAX];
            kinK0 = (float) options.relation().k0;
            Familial.fill(this, freqs);
        } else {
            kinHet = null;
            kinHom = null;
            kinIbd2 = null;
            kinWord = null;
            kinK0 = 0f;
        }
    }

    public StrProfile profile() {
        return profile;
    }

    public DnaSearchOptions options() {
        return options;
    }

    /** Per-locus score contributions (a copy), for reports and tests. */
    public float[] weights() {
        return Arrays.copyOf(weight, Loci.COUNT);
    }
}
