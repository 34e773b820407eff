package io.biomatch.dna;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded generator of a realistic reference database (for benchmarks, the evaluation and tests).
 *
 * <p>Profile i of seed s is a pure function of (s, i), so a 10,000,000-profile database can be regenerated shard by
 * shard. Rules, per profile:
 * <ol>
 *   <li>With probability {@code relativeFraction} it is a first-degree relative of an earlier profile j &lt; i
 *       (uniform): half parent/child (one allele per locus copied from j, the other drawn from the population), half
 *       full sibling (per locus: IBD 2 with probability 1/4, IBD 1 with 1/2, IBD 0 with 1/4, the marginal per-locus
 *       law of full sibs at unlinked loci).</li>
 *   <li>Otherwise an unrelated person: at each locus two alleles drawn independently from the population's listed
 *       frequencies (renormalised), i.e. Hardy-Weinberg genotypes.</li>
 *   <li>Then, with probability {@code partialFraction}, the profile is made partial: a random 6..(L-1) of its L loci
 *       are kept and each kept heterozygous locus loses one allele (becomes "a/-") with probability 0.1.</li>
 * </ol>
 * Only the loci in {@code lociMask} that the frequency table lists are generated (CODIS 20 by default). Category:
 * offender, or arrestee with probability 0.3.
 *
 * <p>The NIST 1036 genotypes themselves can be put first ({@link #withSeedPeople}); they then count as earlier
 * profiles that relatives may derive from.
 */
public final class DnaProfileGenerator {
    private final AlleleFrequencies freqs;
    private final int[] loci;
    private final int[][] alleles; // per locus index in loci
    private final double[][] cumulative;
    private final long seed;
    private final double relativeFraction;
    private final double partialFraction;
    private List<StrProfile> seedPeople = List.of();

    public DnaProfileGenerator(AlleleFrequencies freqs, int lociMask, long seed, double relativeFraction,
                               double partialFraction) {
        this.freqs = freqs;
        this.seed = seed;
        this.relativeFraction = relativeFraction;
        this.partialFraction = partialFraction;
        List<Integer> ls = new ArrayList<>();
        for (int l = 0; l < Loci.COUNT; l++) {
            if ((lociMask >>> l & 1) != 0 && l != Loci.AMEL && freqs.hasLocus(l)) {
                ls.add(l);
            }
        }
        loci = ls.stream().mapToInt(Integer::intValue).toArray();
        alleles = new int[loci.length][];
        cumulative = new double[loci.length][];
        for (int i = 0; i < loci.length; i++) {
            alleles[i] = freqs.listedAlleles(loci[i]);
            cumulative[i] = new double[alleles[i].length];
            double s = 0;
            for (int j = 0; j < alleles[i].length; j++) {
                s += freqs.listed(loci[i], alleles[i][j]);
                cumulative[i][j] = s;
            }
            for (int j = 0; j < alleles[i].length; j++) {
                cumulative[i][j] /= s;
            }
        }
    }

    /** Puts these profiles first (index 0..n-1); generated profiles follow. */
    public DnaProfileGenerator withSeedPeople(List<StrProfile> people) {
        this.seedPeople = List.copyOf(people);
        return this;
    }

    /** The loci generated. */
    public int[] loci() {
        return loci.clone();
    }

    /** Profile number {@code i} (deterministic). Relatives regenerate their ancestor, so cost grows slowly. */
    public StrProfile profile(long i) {
        if (i < seedPeople.size()) {
            return seedPeople.get((int) i);
        }
        int[][] g = genotypes(i);
        SplittableRandom r = rng(i, 2);
        SpecimenCategory cat = r.nextDouble() < 0.3 ? SpecimenCategory.ARRESTEE : SpecimenCategory.OFFENDER;
        int[] keep = new int[loci.length];
        java.util.Arrays.fill(keep, 2);
        if (r.nextDouble() < partialFraction) {
            int kept = 6 + r.nextInt(Math.max(1, loci.length - 6));
            int[] order = shuffled(r);
            for (int j = kept; j < order.length; j++) {
                keep[order[j]] = 0;
            }
            for (int j = 0; j < loci.length; j++) {
                if (keep[j] == 2 && g[j][0] != g[j][1] && r.nextDouble() < 0.1) {
                    keep[j] = 1;
                }
            }
        }
        return build(g, keep, cat);
    }

    /** The full genotypes (allele codes) of profile {@code i} at {@link #loci()}. */
    public int[][] genotypes(long i) {
        if (i < seedPeople.size()) {
            StrProfile p = seedPeople.get((int) i);
            int[][] g = new int[loci.length][];
            SplittableRandom r = rng(i, 3);
            for (int j = 0; j < loci.length; j++) {
                int n = p.alleleCount(loci[j]);
                if (n == 0) {
                    g[j] = new int[]{draw(r, j), draw(r, j)};
                } else {
                    g[j] = new int[]{p.allele(loci[j], 0), n > 1 || !p.isPartial(loci[j])
                            ? p.allele(loci[j], n - 1) : draw(r, j)};
                }
            }
            return g;
        }
        SplittableRandom r = rng(i, 1);
        int[][] g = new int[loci.length][2];
        if (i > 0 && r.nextDouble() < relativeFraction) {
            int[][] base = genotypes(r.nextLong(i));
            boolean sibling = r.nextBoolean();
            for (int j = 0; j < loci.length; j++) {
                int ibd;
                if (sibling) {
                    double u = r.nextDouble();
                    ibd = u < 0.25 ? 2 : u < 0.75 ? 1 : 0;
                } else {
                    ibd = 1;
                }
                int a = base[j][r.nextInt(2)];
                g[j][0] = ibd >= 1 ? a : draw(r, j);
                g[j][1] = ibd == 2 ? base[j][0] == a ? base[j][1] : base[j][0] : draw(r, j);
            }
        } else {
            for (int j = 0; j < loci.length; j++) {
                g[j][0] = draw(r, j);
                g[j][1] = draw(r, j);
            }
        }
        return g;
    }

    /** A profile from genotypes: keep[j] = 2 (both alleles), 1 (first allele, partial), 0 (locus dropped). */
    public StrProfile build(int[][] g, int[] keep, SpecimenCategory category) {
        java.util.Map<String, List<String>> m = new java.util.LinkedHashMap<>();
        for (int j = 0; j < loci.length; j++) {
            if (keep[j] == 0) {
                continue;
            }
            String a = Allele.format(g[j][0]);
            m.put(Loci.name(loci[j]), keep[j] == 2 ? List.of(a, Allele.format(g[j][1])) : List.of(a, "-"));
        }
        return StrProfile.of(m, category, 1);
    }

    private int[] shuffled(SplittableRandom r) {
        int[] o = new int[loci.length];
        for (int j = 0; j < o.length; j++) {
            o[j] = j;
        }
        for (int j = o.length - 1; j > 0; j--) {
            int k = r.nextInt(j + 1);
            int t = o[j];
            o[j] = o[k];
            o[k] = t;
        }
        return o;
    }

    private int draw(SplittableRandom r, int j) {
        double u = r.nextDouble();
        double[] c = cumulative[j];
        int lo = 0;
        int hi = c.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (c[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return alleles[j][lo];
    }

    private SplittableRandom rng(long i, int stream) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i * 4 + stream);
    }

    /**
     * A full profile of a new relative of profile {@code i} (all generator loci typed): a child (one of i's alleles
     * plus a random one), a full sibling (parents drawn as i's two alleles each plus a random one: IBD 0/1/2 with
     * 1/4, 1/2, 1/4) or a half sibling (one parent shared). {@code seed} picks the relative.
     */
    public StrProfile relative(long i, Familial.Relation rel, long seed) {
        int[][] base = genotypes(i);
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
        int[][] g = new int[loci.length][2];
        for (int j = 0; j < loci.length; j++) {
            int a = base[j][r.nextInt(2)];
            switch (rel) {
                case PARENT_CHILD -> {
                    g[j][0] = a;
                    g[j][1] = draw(r, j);
                }
                case HALF_SIBLING -> {
                    // the shared parent passes one of its alleles to each child: i's allele from it with 1/2
                    g[j][0] = r.nextBoolean() ? a : draw(r, j);
                    g[j][1] = draw(r, j);
                }
                case FULL_SIBLING -> {
                    int b = base[j][0] == a ? base[j][1] : base[j][0];
                    g[j][0] = r.nextBoolean() ? a : draw(r, j); // from the father
                    g[j][1] = r.nextBoolean() ? b : draw(r, j); // from the mother
                }
            }
        }
        int[] keep = new int[loci.length];
        java.util.Arrays.fill(keep, 2);
        return build(g, keep, SpecimenCategory.FORENSIC_UNKNOWN);
    }

    /** The frequency table the generator draws from. */
    public AlleleFrequencies frequencies() {
        return freqs;
    }
}
