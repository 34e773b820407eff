package io.biomatch.dna;

import io.biomatch.core.spi.Modality;
import java.util.Arrays;
import java.util.List;

/**
 * The semi-continuous (drop-out / drop-in) likelihood of a mixture at one locus, the model of LRmix Studio
 * (Haned et al. 2012; Gill et al. 2007) that SmartRank (Benschop et al. 2017) uses for database searches.
 *
 * <p>For contributor genotypes G and one replicate R (the set of alleles seen):
 * <pre>
 *   P(R | G) = Π_{a carried, a ∈ R} (1 − D_a) · Π_{a carried, a ∉ R} D_a · DI(R \ carried)
 *   D_a      = Π over the copies of a in G of the carrying contributor's drop-out d (a homozygote drops with d²)
 *   DI(∅)    = 1 − c;   DI(S) = Π_{b ∈ S} c · p_b          (c = drop-in probability)
 * </pre>
 * Replicates multiply. Unknown contributors are summed over their genotypes, their alleles drawn with the
 * Balding-Nichols sampling formula P(a | n_a of n seen) = (n_a θ + (1 − θ) p_a) / (1 + (n − 1) θ), conditioned on
 * the alleles of every typed person (the candidate and the known contributors) under both hypotheses. Alleles that
 * are not in the evidence are lumped into one allele Q with p_Q = 1 − Σ p_evidence (exact for this model: they
 * all must drop out and drop in identically).
 *
 * <p>Search: H<sub>p</sub> = candidate + (n − 1) unknowns, H<sub>d</sub> = n unknowns, n the probe's declared
 * contributors; candidate drop-out d, unknowns' drop-out d<sub>U</sub> (default d). Option {@code model=smartrank}
 * uses {@link #smartRankLikelihood} instead (SmartRank's variant; {@link SmartRankSearch} adds known contributors). Per locus the LR depends only on the candidate's genotype there, so
 * {@link #fillTables} computes log10 LR for every genotype over (evidence alleles + Q) once per search and the kernel
 * adds table entries.
 */
public final class MixtureLikelihood {
    /** Most unknown contributors enumerated in one hypothesis. */
    public static final int MAX_UNKNOWNS = 3;

    private MixtureLikelihood() {
    }

    /** A typed contributor under a hypothesis: genotype (allele codes; a == b for a homozygote) and drop-out. */
    public record Contributor(int a, int b, double dropout) {
    }

    /**
     * P(replicates | hypothesis) at locus {@code l}.
     *
     * @param replicates   allele codes seen per replicate
     * @param contributors typed contributors under this hypothesis
     * @param conditioned  allele codes of every typed person (for θ), each allele once per copy (2 per person)
     * @param unknowns     number of unknown contributors
     * @param dropoutUnknown drop-out of the unknowns
     */
    public static double likelihood(int l, List<int[]> replicates, List<Contributor> contributors, int[] conditioned,
                                    int unknowns, double dropoutUnknown, double dropin, double theta,
                                    AlleleFrequencies freqs) {
        int[] evidence = replicates.stream().flatMapToInt(Arrays::stream).distinct().sorted().toArray();
        int m = evidence.length;
        double[] p = new double[m + 1];
        double sum = 0;
        for (int i = 0; i < m; i++) {
            p[i] = freqs.frequency(l, evidence[i]);
            sum += p[i];
        }
        p[m] = Math.max(0, 1 - sum);
        boolean[][] inRep = new boolean[replicates.size()][m + 1];
        for (int r = 0; r < replicates.size(); r++) {
            for (int code : replicates.get(r)) {
                inRep[r][Arrays.binarySearch(evidence, code)] = true;
            }
        }
        double[] drop = new double[m + 1];
        int[] carried = new int[m + 1];
        Arrays.fill(drop, 1.0);
        for (Contributor c : contributors) {
            int i = indexOf(evidence, c.a());
            int j = indexOf(evidence, c.b());
            drop[i] *= c.dropout();
            drop[j] *= c.dropout();
            carried[i]++;
            carried[j]++;
        }
        int[] counts = new int[m + 1];
        for (int code : conditioned) {
            counts[indexOf(evidence, code)]++;
        }
        return new Enumerator(p, inRep, dropoutUnknown, dropin, theta).sum(unknowns, drop, carried, counts,
                conditioned.length);
    }

    private static int indexOf(int[] evidence, int code) {
        int i = Arrays.binarySearch(evidence, code);
        return i >= 0 ? i : evidence.length;
    }

    /**
     * Sums P(R | G) over the unknowns' genotypes. Allele indexes 0..k−1 ({@code drawable}) are the alleles an unknown
     * may carry; indexes k..K−1 are carried by typed contributors only (SmartRank's shut-down Q). The enumeration is
     * unordered (a ≤ b per unknown) and sequential in the Balding-Nichols counts, which is exact because the
     * sampling formula is exchangeable.
     */
    private record Enumerator(double[] p, int drawable, boolean[][] inRep, double dU, double dropin, double theta) {
        Enumerator(double[] p, boolean[][] inRep, double dU, double dropin, double theta) {
            this(p, p.length, inRep, dU, dropin, theta);
        }

        double sum(int unknowns, double[] drop, int[] carried, int[] counts, int n) {
            if (unknowns == 0) {
                return leaf(drop, carried);
            }
            int k = drawable;
            double total = 0;
            for (int a = 0; a < k; a++) {
                double pa = (counts[a] * theta + (1 - theta) * p[a]) / (1 + (n - 1) * theta);
                if (pa == 0) {
                    continue;
                }
                counts[a]++;
                for (int b = a; b < k; b++) {
                    double pb = (counts[b] * theta + (1 - theta) * p[b]) / (1 + n * theta);
                    if (pb == 0) {
                        continue;
                    }
                    double w = a == b ? pa * pb : 2 * pa * pb;
                    counts[b]++;
                    double da = drop[a];
                    double db = drop[b];
                    drop[a] *= dU;
                    drop[b] *= dU;
                    carried[a]++;
                    carried[b]++;
                    total += w * sum(unknowns - 1, drop, carried, counts, n + 2);
                    carried[a]--;
                    carried[b]--;
                    drop[a] = da;
                    drop[b] = db;
                    counts[b]--;
                }
                counts[a]--;
            }
            return total;
        }

        double leaf(double[] drop, int[] carried) {
            double prob = 1;
            for (boolean[] r : inRep) {
                double pr = 1;
                boolean dropIn = false;
                for (int a = 0; a < p.length; a++) {
                    if (carried[a] > 0) {
                        pr *= r[a] ? 1 - drop[a] : drop[a];
                    } else if (r[a]) {
                        pr *= dropin * p[a];
                        dropIn = true;
                    }
                }
                prob *= dropIn ? pr : pr * (1 - dropin);
            }
            return prob;
        }
    }

    /**
     * P(replicates | hypothesis) at locus {@code l} as SmartRank (NFI, 2015-2017) computes it; the LR model of
     * {@code model=smartrank}. It differs from {@link #likelihood} (LRmix Studio) in the alleles an unknown
     * contributor may carry:
     * <ul>
     *   <li>with {@code qShutdown} (SmartRank's H<sub>p</sub>, its default "Q designation shut down"): only the
     *       alleles seen in the replicates, so an unknown never carries an allele that must drop out;</li>
     *   <li>otherwise (H<sub>d</sub>): the replicate alleles, the listed (non-rare) alleles of the typed persons, and
     *       one allele "other" whose frequency is the sum of the table's listed frequencies of all remaining alleles
     *       (not 1 − Σ: the table need not sum to 1, and unlisted rare alleles are not in it).</li>
     * </ul>
     * Replicate alleles that the table does not list get the table's rare-allele frequency. θ counts the alleles of
     * {@code conditioned} (the typed persons of this hypothesis; SmartRank computes H<sub>d</sub> once per search,
     * so the candidate is not among them there), each copy once; the "other" allele has count 0. A contributor
     * with {@code b == Allele.NONE} carries one copy of {@code a} (a known typed with a single allele).
     */
    public static double smartRankLikelihood(int l, List<int[]> replicates, List<Contributor> contributors,
                                             int[] conditioned, int unknowns, double dropoutUnknown, double dropin,
                                             double theta, AlleleFrequencies freqs, boolean qShutdown) {
        int[] evidence = replicates.stream().flatMapToInt(Arrays::stream).distinct().sorted().toArray();
        // drawable alleles: evidence, then (unless shut down) listed alleles of typed persons, then "other"
        int[] codes = new int[evidence.length + conditioned.length + contributors.size() * 2 + 1];
        double[] p = new double[codes.length];
        int k = 0;
        for (int e : evidence) {
            codes[k] = e;
            p[k++] = freqs.frequency(l, e);
        }
        boolean other = false;
        if (!qShutdown) {
            for (int c : conditioned) {
                if (indexOf(codes, k, c) < 0 && !Double.isNaN(freqs.listed(l, c))) {
                    codes[k] = c;
                    p[k++] = freqs.listed(l, c);
                }
            }
            double rest = 0;
            for (int c : freqs.listedAlleles(l)) {
                if (indexOf(codes, k, c) < 0) {
                    rest += freqs.listed(l, c);
                }
            }
            if (rest > 0) {
                codes[k] = -1; // "other": no typed allele maps here
                p[k++] = rest;
                other = true;
            }
        }
        int drawable = k;
        // contributor alleles that unknowns cannot carry
        for (Contributor c : contributors) {
            for (int a : new int[] {c.a(), c.b()}) {
                if (a != Allele.NONE && indexOf(codes, k, a) < 0) {
                    codes[k] = a;
                    p[k++] = freqs.frequency(l, a); // never drawn, never dropped in (not in the evidence)
                }
            }
        }
        codes = Arrays.copyOf(codes, k);
        p = Arrays.copyOf(p, k);
        boolean[][] inRep = new boolean[replicates.size()][k];
        for (int r = 0; r < replicates.size(); r++) {
            for (int code : replicates.get(r)) {
                inRep[r][indexOf(codes, k, code)] = true;
            }
        }
        double[] drop = new double[k];
        int[] carried = new int[k];
        Arrays.fill(drop, 1.0);
        for (Contributor c : contributors) {
            for (int a : new int[] {c.a(), c.b()}) {
                if (a != Allele.NONE) { // a known typed with one allele only: one copy
                    int i = indexOf(codes, k, a);
                    drop[i] *= c.dropout();
                    carried[i]++;
                }
            }
        }
        int[] counts = new int[k];
        for (int code : conditioned) {
            int i = indexOf(codes, k, code);
            if (i >= 0) {
                counts[i]++;
            }
        }
        assert !other || codes[drawable - 1] == -1;
        return new Enumerator(p, drawable, inRep, dropoutUnknown, dropin, theta).sum(unknowns, drop, carried, counts,
                conditioned.length);
    }

    private static int indexOf(int[] codes, int n, int code) {
        for (int i = 0; i < n; i++) {
            if (codes[i] == code) {
                return i;
            }
        }
        return -1;
    }

    /** Fills the probe's mixture tables (see {@link DnaProbe}). */
    static void fillTables(DnaProbe probe, AlleleFrequencies freqs) {
        StrProfile e = probe.profile;
        int n = e.contributors();
        int k = probe.knowns.size();
        if (n - k > MAX_UNKNOWNS) {
            throw Modality.invalid("mode mixture-lr supports up to " + MAX_UNKNOWNS + " unknown contributors ("
                    + n + " contributors, " + k + " known)");
        }
        if (k > n - 1) {
            throw Modality.invalid("a mixture of " + n + " contributor(s) leaves no place for the candidate beside " + k
                    + " known contributor(s); set the mixture's contributors attribute");
        }
        double d = probe.options.dropout();
        double dU = probe.options.dropoutUnknowns();
        double c = probe.options.dropin();
        double theta = probe.options.theta();
        boolean smartRank = probe.options.model() == DnaSearchOptions.MixtureModel.SMARTRANK;
        int mask = probe.lociMask;
        while (mask != 0) {
            int l = Integer.numberOfTrailingZeros(mask);
            mask &= mask - 1;
            int[] evidence = e.alleles(l);
            int m = evidence.length;
            if (m > DnaProbe.MIX_STRIDE - 1) {
                throw Modality.invalid("locus " + Loci.name(l) + ": mixture-lr handles at most "
                        + (DnaProbe.MIX_STRIDE - 1) + " alleles per locus");
            }
            Arrays.fill(probe.mixIndex, l * 256, l * 256 + 256, (byte) m);
            for (int i = 0; i < m; i++) {
                probe.mixIndex[l * 256 + evidence[i]] = (byte) i;
            }
            // A code outside the evidence stands for Q; pick one that is not an evidence allele.
            int qCode = 1;
            while (Arrays.binarySearch(evidence, qCode) >= 0) {
                qCode++;
            }
            List<int[]> reps = List.of(evidence);
            // known contributors: in both hypotheses, with the candidate's drop-out; their alleles condition theta
            List<Contributor> knownC = new java.util.ArrayList<>(k);
            int[] knownAlleles = new int[2 * k];
            for (int x = 0; x < k; x++) {
                int[] g = probe.knowns.get(x).alleles(l);
                int ka = g[0];
                int kb = g.length > 1 ? g[1] : g[0];
                knownC.add(new Contributor(ka, kb, d));
                knownAlleles[2 * x] = ka;
                knownAlleles[2 * x + 1] = kb;
            }
            // SmartRank computes Pr(E | Hd) once per search: no candidate among the typed persons there
            double denSmartRank = smartRank
                    ? smartRankLikelihood(l, reps, knownC, knownAlleles, n - k, dU, c, theta, freqs, false) : 0;
            for (int i = 0; i <= m; i++) {
                for (int j = i; j <= m; j++) {
                    int a = i < m ? evidence[i] : qCode;
                    int b = j < m ? evidence[j] : qCode;
                    int[] cond = new int[2 + 2 * k];
                    cond[0] = a;
                    cond[1] = b;
                    System.arraycopy(knownAlleles, 0, cond, 2, 2 * k);
                    List<Contributor> hp = new java.util.ArrayList<>(k + 1);
                    hp.add(new Contributor(a, b, d));
                    hp.addAll(knownC);
                    double num;
                    double den;
                    if (smartRank) {
                        num = smartRankLikelihood(l, reps, hp, cond, n - 1 - k, dU, c, theta, freqs, true);
                        den = denSmartRank;
                    } else {
                        num = likelihood(l, reps, hp, cond, n - 1 - k, dU, c, theta, freqs);
                        den = likelihood(l, reps, knownC, cond, n - k, dU, c, theta, freqs);
                    }
                    float v = (float) Math.log10(num / den);
                    if (Float.isNaN(v)) {
                        v = Float.NEGATIVE_INFINITY; // 0/0 cannot happen with p > 0; keep the kernel NaN-free
                    }
                    probe.mixLog10Lr[l * 81 + i * 9 + j] = v;
                    probe.mixLog10Lr[l * 81 + j * 9 + i] = v;
                }
            }
        }
    }

    /** The table entry for candidate genotype (a, b) at locus {@code l} (reference path). */
    static float tableValue(DnaProbe probe, int l, int a, int b) {
        int i = probe.mixIndex[l * 256 + a];
        int j = probe.mixIndex[l * 256 + b];
        return probe.mixLog10Lr[l * 81 + i * 9 + j];
    }
}
